/**
 * Subscriptions survive a restart on the file store: configuration, cursors, generations, the
 * wake in flight with its lease and token, the retry schedule, the signing key and token
 * secret, and pattern links of streams created after the subscription; also through
 * compactions of the state log.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, type ServerOptions } from "@rivulet/server";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { BASE, expectError, type TestApp } from "../handlers/helpers.js";
import {
  bodyOf,
  getSub,
  type Jwks,
  offset,
  putSub,
  Receiver,
  stream,
  subscriptionApp,
  until,
  wakeCall,
} from "./support.js";

const dirs: string[] = [];
const receivers: Receiver[] = [];
let open: TestApp | undefined;

afterEach(async () => {
  await open?.close();
  open = undefined;
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-subs-restart-"));
  dirs.push(dir);
  return dir;
}

async function start(dir: string, options: ServerOptions = {}): Promise<TestApp> {
  open = await subscriptionApp({ store: new FileStore({ dir }), ...options });
  return open;
}

async function restart(dir: string, options: ServerOptions = {}): Promise<TestApp> {
  await open?.close();
  open = undefined;
  return start(dir, options);
}

describe("restart", () => {
  test("a wake in flight keeps its generation, lease and token; cursors, keys and links come back", async () => {
    const dir = await dataDir();
    const receiver = await Receiver.start();
    receivers.push(receiver);
    let t = await start(dir);
    await putSub(t, "s", { type: "webhook", pattern: "ev/*", webhook: { url: receiver.url }, lease_ttl_ms: 600_000 });
    await t.create(stream("ev/a"), "text/plain", "hello");
    const wake = (await receiver.waitFor(1)).body;
    const partial = await wakeCall(t, "s", "callback", wake.callback_token, {
      wake_id: wake.wake_id,
      generation: wake.generation,
      acks: [{ stream: "ev/a", offset: offset(2) }],
    });
    expect(partial.status).toBe(200);
    const jwksBefore = await bodyOf<Jwks>(t.request(`${BASE}/__ds/jwks.json`));
    const before = await getSub(t, "s");

    t = await restart(dir);
    expect(await getSub(t, "s")).toEqual(before);
    expect(await bodyOf<Jwks>(t.request(`${BASE}/__ds/jwks.json`))).toEqual(jwksBefore);
    // Same wake, same token: the lease was persisted, so nothing was re-delivered.
    const done = await wakeCall(t, "s", "callback", wake.callback_token, {
      wake_id: wake.wake_id,
      generation: wake.generation,
      acks: [{ stream: "ev/a", offset: offset(5) }],
      done: true,
    });
    expect(await done.json()).toEqual({ ok: true, next_wake: false });
    expect(receiver.deliveries).toHaveLength(1);
    await t.append(stream("ev/a"), "text/plain", "!");
    const next = (await receiver.waitFor(2)).body;
    expect(next.generation).toBe(wake.generation + 1);
    expect(next.streams).toEqual([
      { path: "ev/a", link_type: "glob", acked_offset: offset(5), tail_offset: offset(6), has_pending: true },
    ]);
  });

  test("the retry schedule survives: status failed with the same next attempt", async () => {
    const dir = await dataDir();
    const receiver = await Receiver.start();
    receivers.push(receiver);
    receiver.fallback = { status: 500 };
    const options = { subscriptions: { retryBaseMs: 60_000 } };
    let t = await start(dir, options);
    await putSub(t, "s", { type: "webhook", pattern: "ev/*", webhook: { url: receiver.url } });
    await t.create(stream("ev/a"), "text/plain", "x");
    await until(async () => (await getSub(t, "s")).status === "failed");
    const before = await getSub(t, "s");
    t = await restart(dir, options);
    const after = await getSub(t, "s");
    expect(after).toMatchObject({
      status: "failed",
      next_attempt_at: before.next_attempt_at,
      generation: before.generation,
    });
    expect(receiver.deliveries).toHaveLength(1);
  });

  test("streams created after the subscription and never acked are still pending after a restart", async () => {
    const dir = await dataDir();
    let t = await start(dir);
    await t.create(stream("wake/p"), "application/json", "[]");
    await putSub(t, "p", { type: "pull-wake", pattern: "jobs/*", wake_stream: "wake/p", lease_ttl_ms: 60_000 });
    await t.create(stream("jobs/a"), "text/plain", "abc");
    t = await restart(dir);
    expect((await getSub(t, "p")).streams).toEqual([{ path: "jobs/a", link_type: "glob", acked_offset: offset(0) }]);
    const claim = await t.request(`${BASE}/__ds/subscriptions/p/claim`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ worker: "w" }),
    });
    expect(claim.status).toBe(200);
    expect((await bodyOf<{ streams: Array<{ path: string; tail_offset: string }> }>(claim)).streams).toEqual([
      expect.objectContaining({ path: "jobs/a", tail_offset: offset(3) }),
    ]);
  });

  test("through many compactions, the state and fencing come back exactly", async () => {
    const dir = await dataDir();
    const options = { subscriptions: { compactAfterRecords: 5 } };
    let t = await start(dir, options);
    await t.create(stream("wake/p"), "application/json", "[]");
    await putSub(t, "p", { type: "pull-wake", pattern: "jobs/*", wake_stream: "wake/p", lease_ttl_ms: 60_000 });
    await t.create(stream("jobs/a"), "text/plain");
    let last: { wake_id: string; generation: number; token: string } | undefined;
    for (let n = 1; n <= 12; n++) {
      await t.append(stream("jobs/a"), "text/plain", "x");
      const claimed = await bodyOf<{ wake_id: string; generation: number; token: string }>(
        t.request(`${BASE}/__ds/subscriptions/p/claim`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ worker: "w" }),
        }),
      );
      const ack = await wakeCall(t, "p", "ack", claimed.token, {
        wake_id: claimed.wake_id,
        generation: claimed.generation,
        acks: [{ stream: "jobs/a", offset: offset(n) }],
        done: true,
      });
      expect(ack.status).toBe(200);
      last = claimed;
    }
    const before = await getSub(t, "p");
    expect(before.generation).toBe(12);
    const generations = (await t.store.list({ prefix: `${BASE}/__ds/state/subscriptions/`, limit: 10 })).map(
      (s) => s.meta.path,
    );
    expect(generations).toHaveLength(1);
    expect(generations[0]).not.toMatch(/0000000001$/);
    t = await restart(dir, options);
    expect(await getSub(t, "p")).toEqual(before);
    await expectError(
      await wakeCall(t, "p", "ack", last!.token, { wake_id: last!.wake_id, generation: last!.generation, done: true }),
      409,
      "FENCED",
    );
  });
});
