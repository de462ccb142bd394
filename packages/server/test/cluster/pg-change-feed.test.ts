/**
 * The PostgreSQL change feed on a real PostgreSQL (test/support/postgres.ts): notices go round
 * between nodes and never back to their sender, a burst is a handful of notifications, a large
 * batch is split under the payload limit, the feed comes back by itself after the database
 * restarts, and a live reader on another node wakes on an append (through the feed, or through
 * the re-check when no notice comes).
 */
import { ChangeBus, MemoryStore, PgChangeFeed, type StreamChange } from "@rivulet/server";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { decodePayload, MAX_PAYLOAD_BYTES } from "../../src/cluster/change-feed/payload.js";
import { startApp, type TestApp, text } from "../handlers/helpers.js";
import { readersWaiting } from "../support/live-readers.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);
afterAll(async () => {
  await postgres?.stop();
});

const closing: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of closing.splice(0).reverse()) await item.close();
});

async function feed(url: string, nodeId: string): Promise<PgChangeFeed> {
  const made = new PgChangeFeed({ connectionString: url, nodeId, reconnectMinMs: 20, reconnectMaxMs: 200 });
  closing.push(made);
  await made.open();
  expect(made.listening).toBe(true);
  return made;
}

/** Changes a feed hears, and a way to wait until some arrive. */
function heard(from: PgChangeFeed) {
  const changes: StreamChange[] = [];
  const waiters: Array<() => void> = [];
  from.onChange((change) => {
    changes.push(change);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    changes,
    async until(check: (changes: StreamChange[]) => boolean): Promise<void> {
      while (!check(changes)) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

/** A plain LISTEN on the feed's channel: every notification as PostgreSQL delivers it. */
async function rawListener(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  closing.push({ close: () => client.end() });
  const payloads: string[] = [];
  const waiters: Array<() => void> = [];
  client.on("notification", (message) => {
    payloads.push(message.payload ?? "");
    for (const wake of waiters.splice(0)) wake();
  });
  await client.query("LISTEN rivulet_changes");
  return {
    payloads,
    async until(check: () => boolean): Promise<void> {
      while (!check()) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

const pathsIn = (payloads: string[]) =>
  payloads.flatMap((payload) => {
    const notice = decodePayload(payload);
    return "changes" in notice ? notice.changes.map((c) => c.path) : [];
  });

describe("PostgreSQL change feed", () => {
  test("a change published on one node reaches the others, and never comes back to its sender", async () => {
    const url = await postgres.database();
    const a = await feed(url, "a");
    const b = await feed(url, "b");
    const onA = heard(a);
    const onB = heard(b);
    a.publish({ path: "/s/x", tail: 7, closed: true });
    await onB.until((c) => c.length === 1);
    expect(onB.changes[0]).toMatchObject({ path: "/s/x", tail: 7, closed: true });
    // Notices on one channel arrive in commit order: once A hears B's, it would have had its own.
    b.publish({ path: "/s/y", tail: 3 });
    await onA.until((c) => c.length > 0);
    expect(onA.changes.map((c) => c.path)).toEqual(["/s/y"]);
  });

  test("a burst of changes is coalesced: a handful of notifications, every path in them", async () => {
    const url = await postgres.database();
    const raw = await rawListener(url);
    const a = await feed(url, "a");
    const paths = Array.from({ length: 500 }, (_, i) => `/s/${i}`);
    for (const path of paths) for (let tail = 1; tail <= 3; tail++) a.publish({ path, tail });
    await raw.until(() => pathsIn(raw.payloads).length >= paths.length);
    expect(new Set(pathsIn(raw.payloads))).toEqual(new Set(paths));
    expect(raw.payloads.length).toBeLessThanOrEqual(5);
    expect(a.batchesSent).toBeLessThanOrEqual(2);
  });

  test("a batch larger than one payload is split, each notification under PostgreSQL's limit", async () => {
    const url = await postgres.database();
    const raw = await rawListener(url);
    const a = await feed(url, "a");
    const b = await feed(url, "b");
    const onB = heard(b);
    const paths = Array.from({ length: 300 }, (_, i) => `/v1/stream/${"long-name-".repeat(10)}${i}`);
    for (const path of paths) a.publish({ path, tail: 1 });
    await onB.until((c) => c.length === paths.length);
    expect(onB.changes.map((c) => c.path)).toEqual(paths);
    await raw.until(() => pathsIn(raw.payloads).length === paths.length);
    expect(raw.payloads.length).toBeGreaterThan(1);
    for (const payload of raw.payloads) expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
  });

  test("after PostgreSQL restarts, the feed listens again by itself, reports the gap, and notices flow", async () => {
    const url = await postgres.database();
    const a = await feed(url, "a");
    const b = await feed(url, "b");
    const onB = heard(b);
    const gap = new Promise<void>((resolve) => b.onGap(resolve));
    await postgres.restart();
    await gap;
    expect(b.listening).toBe(true);
    a.publish({ path: "/s/after", tail: 1 });
    await onB.until((c) => c.some((change) => change.path === "/s/after"));
  }, 60_000);
});

describe("live reads across nodes over PostgreSQL notifications", () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  test("a long-poll on B wakes on A's append through pg_notify (the re-check never runs)", async () => {
    const url = await postgres.database();
    const store = new MemoryStore();
    const node = async (id: string) => {
      const changeFeed = new PgChangeFeed({ connectionString: url, nodeId: id });
      const app = await startApp({ store, cluster: { changeFeed, recheckIntervalMs: 3_600_000 } });
      apps.push(app);
      return app;
    };
    const a = await node("a");
    const b = await node("b");
    const path = a.path("pg");
    const created = await a.create(path, "text/plain", "x");
    const polled = b.request(`${path}?offset=${created.headers.get("stream-next-offset")}&live=long-poll`);
    await readersWaiting(b.app.engine, path);
    await a.append(path, "text/plain", "woken");
    const res = await polled;
    expect(res.status).toBe(200);
    expect(await text(res)).toBe("woken");
  });

  test("when A's notice is lost (A publishes nothing), B's long-poll still wakes through the re-check", async () => {
    const url = await postgres.database();
    const store = new MemoryStore();
    // A's feed is an in-process bus nobody else is on: every notice of its appends is lost.
    const a = await startApp({ store, cluster: { changeFeed: new ChangeBus().feed("a") } });
    apps.push(a);
    const changeFeed = new PgChangeFeed({ connectionString: url, nodeId: "b" });
    const b = await startApp({ store, cluster: { changeFeed, recheckIntervalMs: 50 } });
    apps.push(b);
    const path = a.path("lost");
    const created = await a.create(path, "text/plain", "x");
    const polled = b.request(`${path}?offset=${created.headers.get("stream-next-offset")}&live=long-poll`);
    await readersWaiting(b.app.engine, path);
    await a.append(path, "text/plain", "late");
    const res = await polled;
    expect(res.status).toBe(200);
    expect(await text(res)).toBe("late");
  });
});
