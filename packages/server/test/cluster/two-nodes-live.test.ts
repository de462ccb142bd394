/**
 * Two nodes on one store, as two servers on one database: whatever node A acknowledges, node B
 * answers from then on (catch-up reads, HEAD, live reads, deletes, re-creates), and B's live
 * readers wake on A's appends through the change feed, or, when a notice is lost, through the
 * re-check of streams with live readers (docs/cluster.md).
 */
import { ChangeBus, MemoryStore, type ServerOptions } from "@rivulet/server";
import { afterEach, describe, expect, test } from "vitest";
import { expectError, type ParsedEvent, readSse, startApp, type TestApp, text } from "../handlers/helpers.js";
import { readersWaiting } from "../support/live-readers.js";

const controls = (events: ParsedEvent[]) =>
  events.filter((e) => e.event === "control").map((e) => JSON.parse(e.data) as Record<string, unknown>);
const data = (events: ParsedEvent[]) => events.filter((e) => e.event === "data").map((e) => e.data);

const open: TestApp[] = [];
afterEach(async () => {
  for (const app of open.splice(0)) await app.close();
});

/** The re-check never runs within a test unless the test asks for it: only what is tested wakes readers. */
const NEVER = 3_600_000;

/**
 * Two nodes on one MemoryStore. `linked`: joined by an in-process change feed; otherwise each
 * has a feed of its own that nobody else is on, so only fresh reads (and the re-check every
 * `recheckIntervalMs`) keep B in step.
 */
async function twoNodes({ linked = true, recheckIntervalMs = NEVER } = {}) {
  const store = new MemoryStore();
  const bus = new ChangeBus();
  const node = (id: string): ServerOptions => ({
    store,
    sseLifetimeMs: 60_000,
    cluster: { changeFeed: (linked ? bus : new ChangeBus()).feed(id), recheckIntervalMs },
  });
  const a = await startApp(node("a"));
  const b = await startApp(node("b"));
  open.push(a, b);
  return { a, b, path: a.path("shared") };
}

describe("two nodes on one store", () => {
  test("a catch-up read on B after an append on A has the appended data, with the same ETag and offsets as A", async () => {
    const { a, b, path } = await twoNodes({ linked: false });
    await a.create(path, "text/plain", "one;");
    expect(await text(await b.request(`${path}?offset=-1`))).toBe("one;"); // B now holds the stream
    await a.append(path, "text/plain", "two;");
    const onB = await b.request(`${path}?offset=-1`);
    const onA = await a.request(`${path}?offset=-1`);
    expect(await text(onB)).toBe("one;two;");
    await onA.arrayBuffer();
    for (const header of ["etag", "stream-next-offset", "stream-up-to-date"]) {
      expect(onB.headers.get(header), header).toBe(onA.headers.get(header));
    }
  });

  test("HEAD on B after an append and a close on A reports A's tail and the closure", async () => {
    const { a, b, path } = await twoNodes({ linked: false });
    await a.create(path, "text/plain", "x");
    expect((await b.request(path, { method: "HEAD" })).headers.get("stream-next-offset")).toBe(
      (await a.request(path, { method: "HEAD" })).headers.get("stream-next-offset"),
    );
    await a.append(path, "text/plain", "yz", { "stream-closed": "true" });
    const onA = await a.request(path, { method: "HEAD" });
    const onB = await b.request(path, { method: "HEAD" });
    expect(onB.status).toBe(200);
    expect(onB.headers.get("stream-next-offset")).toBe(onA.headers.get("stream-next-offset"));
    expect(onB.headers.get("stream-closed")).toBe("true");
  });

  test("an append through B after A closed the stream is refused as closed, and nothing lands after the close", async () => {
    const { a, b, path } = await twoNodes({ linked: false });
    await a.create(path, "text/plain", "all;");
    expect((await b.request(`${path}?offset=-1`)).status).toBe(200); // B holds the open stream
    await a.append(path, "text/plain", "", { "stream-closed": "true" });
    const late = await b.request(path, { method: "POST", headers: { "content-type": "text/plain" }, body: "late" });
    await expectError(late, 409, "STREAM_CLOSED");
    expect(await text(await a.request(`${path}?offset=-1`))).toBe("all;");
  });

  test("a long-poll waiting on B answers with A's append", async () => {
    const { a, b, path } = await twoNodes();
    const created = await a.create(path, "text/plain", "start;");
    const tail = created.headers.get("stream-next-offset")!;
    const polled = b.request(`${path}?offset=${tail}&live=long-poll`);
    await readersWaiting(b.app.engine, path);
    await a.append(path, "text/plain", "news;");
    const res = await polled;
    expect(res.status).toBe(200);
    expect(await text(res)).toBe("news;");
  });

  test("an SSE session on B gets A's appends as they happen, and ends with the closure A makes", async () => {
    const { a, b, path } = await twoNodes();
    await a.create(path, "text/plain", "first");
    const res = await b.request(`${path}?offset=-1&live=sse`);
    expect(res.status).toBe(200);
    const appended = (async () => {
      await readersWaiting(b.app.engine, path);
      await a.append(path, "text/plain", "second");
      await readersWaiting(b.app.engine, path);
      await a.append(path, "text/plain", "", { "stream-closed": "true" });
    })();
    const { events, ended } = await readSse(res, () => false, 10_000);
    await appended;
    expect(ended).toBe(true);
    expect(data(events)).toEqual(["first", "second"]);
    expect(controls(events).at(-1)).toMatchObject({ streamClosed: true, streamNextOffset: expect.any(String) });
  });

  test("a stream A deleted is 404 on B: a long-poll that was waiting, then reads and HEAD", async () => {
    const { a, b, path } = await twoNodes();
    const created = await a.create(path, "text/plain", "doomed");
    expect((await b.request(`${path}?offset=-1`)).status).toBe(200);
    const polled = b.request(`${path}?offset=${created.headers.get("stream-next-offset")}&live=long-poll`);
    await readersWaiting(b.app.engine, path);
    expect((await a.request(path, { method: "DELETE" })).status).toBe(204);
    await expectError(await polled, 404, "STREAM_NOT_FOUND");
    await expectError(await b.request(`${path}?offset=-1`), 404, "STREAM_NOT_FOUND");
    expect((await b.request(path, { method: "HEAD" })).status).toBe(404);
  });

  test("a stream A deleted is not 'already there' to a create on B (201, a new stream)", async () => {
    const { a, b, path } = await twoNodes({ linked: false });
    await a.create(path, "text/plain", "old");
    expect((await b.request(`${path}?offset=-1`)).status).toBe(200);
    expect((await a.request(path, { method: "DELETE" })).status).toBe(204);
    await b.create(path, "text/plain", "new");
    expect(await text(await a.request(`${path}?offset=-1`))).toBe("new");
  });

  test("a stream A re-created is served by B as the new stream, with a new ETag", async () => {
    const { a, b, path } = await twoNodes({ linked: false });
    await a.create(path, "text/plain", "old");
    const before = await b.request(`${path}?offset=-1`);
    expect(await text(before)).toBe("old");
    expect((await a.request(path, { method: "DELETE" })).status).toBe(204);
    await a.create(path, "application/json", '[{"v":1}]');
    const after = await b.request(`${path}?offset=-1`);
    expect(after.headers.get("content-type")).toBe("application/json");
    expect(await text(after)).toBe('[{"v":1}]');
    expect(after.headers.get("etag")).not.toBe(before.headers.get("etag"));
    expect(after.headers.get("etag")).toBe((await a.request(`${path}?offset=-1`)).headers.get("etag"));
  });

  test("a producer's retry through B of an append A acknowledged is a duplicate reporting A's tail", async () => {
    const { a, b, path } = await twoNodes({ linked: false });
    await a.create(path);
    const producer = { "producer-id": "p", "producer-epoch": "0", "producer-seq": "0" };
    expect((await a.append(path, "text/plain", "once;", producer)).status).toBe(200);
    expect(await text(await b.request(`${path}?offset=-1`))).toBe("once;"); // B holds p's append
    const later = await a.append(path, "text/plain", "more;");
    const retry = await b.request(path, {
      method: "POST",
      headers: { "content-type": "text/plain", ...producer },
      body: "once;",
    });
    expect(retry.status).toBe(204);
    expect(retry.headers.get("stream-next-offset")).toBe(later.headers.get("stream-next-offset"));
    expect(await text(await b.request(`${path}?offset=-1`))).toBe("once;more;");
  });

  test("a notice that never comes (A publishes nothing) still wakes B's long-poll through the re-check", async () => {
    // Unlinked feeds: every notice of A's appends is lost.
    const { a, b, path } = await twoNodes({ linked: false, recheckIntervalMs: 50 });
    const created = await a.create(path, "text/plain", "x");
    const polled = b.request(`${path}?offset=${created.headers.get("stream-next-offset")}&live=long-poll`);
    await readersWaiting(b.app.engine, path);
    await a.append(path, "text/plain", "late");
    const res = await polled;
    expect(res.status).toBe(200);
    expect(await text(res)).toBe("late");
  });
});
