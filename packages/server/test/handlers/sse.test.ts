/** GET with live=sse (PROTOCOL §5.8), offset=now (§8), connection lifetime (§10.2). */
import { formatOffset } from "@rivulet/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readersWaiting } from "../support/live-readers.js";
import { expectError, type ParsedEvent, readSse, startApp, type TestApp } from "./helpers.js";

const SSE_LIFETIME_MS = 300;

const controls = (events: ParsedEvent[]) =>
  events.filter((e) => e.event === "control").map((e) => JSON.parse(e.data) as Record<string, unknown>);
const data = (events: ParsedEvent[]) => events.filter((e) => e.event === "data").map((e) => e.data);

describe("sse", () => {
  /** Sessions outlive every test but the lifetime one, so no session ends before its test is done. */
  let t: TestApp;
  let shortLived: TestApp;
  beforeAll(async () => {
    t = await startApp({ sseLifetimeMs: 60_000 });
    shortLived = await startApp({ sseLifetimeMs: SSE_LIFETIME_MS });
  });
  afterAll(async () => {
    await t.close();
    await shortLived.close();
  });

  const sse = (path: string, offset: string, app = t) => app.request(`${path}?offset=${offset}&live=sse`);
  /** Appends once the session is waiting at the tail: live data, not part of the catch-up. */
  const appendWhenWaiting = (path: string, body: string) =>
    readersWaiting(t.app.engine, path).then(() => t.append(path, "text/plain", body));

  test("without an offset is INVALID_OFFSET", async () => {
    const path = t.path();
    await t.create(path);
    await expectError(await t.request(`${path}?live=sse`), 400, "INVALID_OFFSET");
  });

  test("an offset beyond the tail is INVALID_OFFSET", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "a");
    await expectError(await sse(path, formatOffset(2)), 400, "INVALID_OFFSET");
  });

  test("a missing stream is STREAM_NOT_FOUND", async () => {
    await expectError(await sse(t.path("missing"), "-1"), 404, "STREAM_NOT_FOUND");
  });

  test("catch-up data then a control event, then live appends as they happen", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "first");
    const res = await sse(path, "-1");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("stream-sse-data-encoding")).toBeNull();
    const appended = appendWhenWaiting(path, "second");
    const { events } = await readSse(res, (e) => controls(e).length === 2);
    await appended;
    expect(data(events)).toEqual(["first", "second"]);
    const [c1, c2] = controls(events);
    expect(c1).toMatchObject({ streamNextOffset: formatOffset(5), upToDate: true });
    expect(c1!.streamCursor).toMatch(/^\d+$/);
    expect(c2).toMatchObject({ streamNextOffset: formatOffset(11) });
    // Every data event is followed by a control event.
    expect(events.map((e) => e.event)).toEqual(["data", "control", "data", "control"]);
  });

  test("a session resuming after its stream left memory gets the rest, then live appends, and keeps its stream", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "first");
    await t.append(path, "text/plain", "second");
    const engine = t.app.engine;
    // Two sweeps: the first clears the stream's "used" mark, the second drops it.
    engine.evictIdle();
    engine.evictIdle();
    expect(engine.inMemory(path)).toBeUndefined();
    const res = await sse(path, formatOffset(5));
    const appended = readersWaiting(engine, path).then(() => {
      // A waiting session pins its stream: sweeps leave it, so the append below wakes it.
      engine.evictIdle();
      engine.evictIdle();
      expect(engine.inMemory(path)).toBeDefined();
      return t.append(path, "text/plain", "third");
    });
    const { events } = await readSse(res, (e) => controls(e).length === 2);
    await appended;
    expect(data(events)).toEqual(["second", "third"]);
  });

  test("sessions at one offset share an append's event, each with its own cursor (§10.1)", async () => {
    const path = t.path();
    await t.create(path, "application/json", '[{"a":1}]');
    const tail = (await t.request(path, { method: "HEAD" })).headers.get("stream-next-offset")!;
    const ahead = "99999999";
    const plain = await sse(path, tail);
    const echoed = await t.request(`${path}?offset=${tail}&live=sse&cursor=${ahead}`);
    await readersWaiting(t.app.engine, path, 2);
    await t.append(path, "application/json", '[{"a":2}]');
    const gotAppend = (events: ParsedEvent[]) => controls(events).length >= 2;
    const [a, b] = await Promise.all([readSse(plain, gotAppend), readSse(echoed, gotAppend)]);
    for (const { events } of [a, b]) expect(data(events).map((d) => JSON.parse(d))).toEqual([[{ a: 2 }]]);
    const cursors = (events: ParsedEvent[]) => controls(events).map((c) => Number(c.streamCursor));
    // The client's cursor caught up: every cursor of its session is past it, never going back.
    const [b1, b2] = cursors(b.events);
    expect(b1).toBeGreaterThan(Number(ahead));
    expect(b2).toBeGreaterThanOrEqual(b1!);
    // The other session's cursors are the current interval, not the echoed session's.
    for (const cursor of cursors(a.events)) expect(cursor).toBeLessThan(Number(ahead));
  });

  test("sessions on two streams at the same offsets each get their own stream's append", async () => {
    const paths = [t.path(), t.path()];
    for (const path of paths) await t.create(path, "application/json", '[{"a":1}]');
    const tail = (await t.request(paths[0]!, { method: "HEAD" })).headers.get("stream-next-offset")!;
    const sessions = await Promise.all(paths.map((path) => sse(path, tail)));
    for (const path of paths) await readersWaiting(t.app.engine, path, 1);
    // Same offsets, lengths and cursor interval: only the stream tells the two events apart.
    await Promise.all(paths.map((path, i) => t.append(path, "application/json", `[{"b":${i}}]`)));
    const gotAppend = (events: ParsedEvent[]) => controls(events).length >= 2;
    const read = await Promise.all(sessions.map((res) => readSse(res, gotAppend)));
    expect(read.map(({ events }) => data(events).map((d) => JSON.parse(d)))).toEqual([[[{ b: 0 }]], [[{ b: 1 }]]]);
  });

  test("text keeps leading spaces and line breaks", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "  indented\n line two");
    const { events } = await readSse(await sse(path, "-1"), (e) => controls(e).length > 0);
    expect(data(events)).toEqual(["  indented\n line two"]);
  });

  test("JSON streams send a JSON array per data event", async () => {
    const path = t.path();
    await t.create(path, "application/json", '[{"a":1},{"b":"x y"}]');
    const { events } = await readSse(await sse(path, "-1"), (e) => controls(e).length > 0);
    expect(JSON.parse(data(events)[0]!)).toEqual([{ a: 1 }, { b: "x y" }]);
  });

  test("binary streams are base64 with stream-sse-data-encoding: base64", async () => {
    const path = t.path();
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 10, 13, 32]);
    await t.create(path, "application/octet-stream", bytes);
    const res = await sse(path, "-1");
    expect(res.headers.get("stream-sse-data-encoding")).toBe("base64");
    const { events } = await readSse(res, (e) => controls(e).length > 0);
    const decoded = Buffer.from(data(events)[0]!.replace(/[\r\n]/g, ""), "base64");
    expect(new Uint8Array(decoded)).toEqual(bytes);
    // Control events stay JSON.
    expect(controls(events)[0]).toMatchObject({ streamNextOffset: formatOffset(bytes.length) });
  });

  test(`the server ends the connection after sseLifetimeMs (${SSE_LIFETIME_MS} ms)`, async () => {
    const path = shortLived.path();
    await shortLived.create(path, "text/plain", "x");
    const started = Date.now();
    // Ended by the server within readSse's limit (10 lifetimes), and not before its lifetime.
    const { events, ended } = await readSse(await sse(path, "-1", shortLived));
    expect(ended).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(SSE_LIFETIME_MS - 30);
    expect(controls(events).at(-1)).not.toHaveProperty("streamClosed");
  });

  test("offset=now: the first control event has the tail and upToDate, and no history is sent", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "history");
    const res = await sse(path, "now");
    const appended = appendWhenWaiting(path, "live");
    const { events } = await readSse(res, (e) => data(e).length === 1);
    await appended;
    expect(controls(events)[0]).toMatchObject({ streamNextOffset: formatOffset(7), upToDate: true });
    expect(data(events)).toEqual(["live"]);
  });

  test("closed stream at the tail: one control event with streamClosed, then the connection ends", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "done", { "stream-closed": "true" });
    for (const offset of [formatOffset(4), "now"]) {
      // Ended by the server long before its 60 s session lifetime.
      const { events, ended } = await readSse(await sse(path, offset));
      expect(ended).toBe(true);
      expect(data(events)).toEqual([]);
      expect(controls(events)).toEqual([{ streamNextOffset: formatOffset(4), streamClosed: true, upToDate: true }]);
    }
  });

  test("closing the stream during a session sends streamClosed and ends it", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "a");
    const res = await sse(path, "-1");
    const closed = readersWaiting(t.app.engine, path).then(() =>
      t.request(path, { method: "POST", headers: { "stream-closed": "true" } }),
    );
    const { events, ended } = await readSse(res);
    await closed;
    expect(ended).toBe(true);
    expect(controls(events).at(-1)).toMatchObject({ streamClosed: true, streamNextOffset: formatOffset(1) });
    expect(controls(events).at(-1)).not.toHaveProperty("streamCursor");
  });

  test("a full read of a closed stream ends with data then the closing control", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "all of it", { "stream-closed": "true" });
    const { events, ended } = await readSse(await sse(path, "-1"));
    expect(ended).toBe(true);
    expect(data(events)).toEqual(["all of it"]);
    expect(controls(events)).toEqual([{ streamNextOffset: formatOffset(9), streamClosed: true, upToDate: true }]);
  });
});
