/**
 * Another node's changes, heard through the change feed, become `remote` engine events on this
 * one (cluster/change-feed/remote-events.ts), so features that follow the engine (subscriptions,
 * retention, topics) see the whole cluster's writes; the node that made a change emits it once.
 */
import { ChangeBus, type EngineEvent, MemoryStore, type ServerOptions } from "@rivulet/server";
import { afterEach, describe, expect, test } from "vitest";
import { startApp, type TestApp, text } from "../handlers/helpers.js";

const open: TestApp[] = [];
afterEach(async () => {
  for (const app of open.splice(0)) await app.close();
});

async function twoNodes() {
  const store = new MemoryStore();
  const bus = new ChangeBus();
  const node = (id: string): ServerOptions => ({ store, cluster: { changeFeed: bus.feed(id) } });
  const a = await startApp(node("a"));
  const b = await startApp(node("b"));
  open.push(a, b);
  return { a, b, path: a.path("remote") };
}

/** Every engine event `app` emits, and a wait for the first one `match` accepts. */
function recorder(app: TestApp) {
  const seen: EngineEvent[] = [];
  const waiters: Array<{ match: (e: EngineEvent) => boolean; resolve: (e: EngineEvent) => void }> = [];
  for (const type of ["created", "appended", "closed", "deleted"] as const) {
    app.app.engine.events.on(type, (event) => {
      seen.push(event);
      for (const waiter of [...waiters]) {
        if (!waiter.match(event)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    });
  }
  const next = (match: (e: EngineEvent) => boolean) =>
    new Promise<EngineEvent>((resolve) => {
      const found = seen.find(match);
      if (found) resolve(found);
      else waiters.push({ match, resolve });
    });
  return { seen, next };
}

describe("remote engine events", () => {
  test("an append on A reaches B as a remote `appended` at A's tail, for a stream B never loaded", async () => {
    const { a, b, path } = await twoNodes();
    const onB = recorder(b);
    await a.create(path, "text/plain", "one;");
    await a.append(path, "text/plain", "two;");
    const event = await onB.next((e) => e.type === "appended" && e.path === path && e.end === 8);
    expect(event).toEqual({ type: "appended", path, end: 8, remote: true });
    expect(b.app.engine.inMemory(path)).toBeUndefined();
  });

  test("B holding the stream emits the remote event too, and a read on B then has A's append", async () => {
    const { a, b, path } = await twoNodes();
    await a.create(path, "text/plain", "one;");
    expect(await text(await b.request(`${path}?offset=-1`))).toBe("one;"); // B holds it now
    const onB = recorder(b);
    await a.append(path, "text/plain", "two;");
    expect(await onB.next((e) => e.type === "appended" && e.path === path)).toEqual({
      type: "appended",
      path,
      end: 8,
      remote: true,
    });
    expect(await text(await b.request(`${path}?offset=-1`))).toBe("one;two;");
  });

  test("a creation on A reaches B as a remote `created` with the stored settings", async () => {
    const { a, b, path } = await twoNodes();
    const onB = recorder(b);
    await a.create(path, "application/json", "[1]");
    const event = await onB.next((e) => e.type === "created" && e.path === path);
    expect(event).toMatchObject({ type: "created", path, tail: 3, remote: true });
    expect(event.type === "created" && event.meta.contentType).toBe("application/json");
  });

  test("a close and a delete on A reach B as remote `closed` and `deleted`", async () => {
    const { a, b, path } = await twoNodes();
    const onB = recorder(b);
    await a.create(path, "text/plain", "x");
    await a.append(path, "text/plain", "", { "stream-closed": "true" });
    expect(await onB.next((e) => e.type === "closed" && e.path === path)).toEqual({
      type: "closed",
      path,
      tail: 1,
      remote: true,
    });
    expect((await a.request(path, { method: "DELETE" })).status).toBe(204);
    expect(await onB.next((e) => e.type === "deleted" && e.path === path)).toEqual({
      type: "deleted",
      path,
      remote: true,
    });
  });

  test("the node that made a change emits it once, and B's remote events are not published back", async () => {
    const { a, b, path } = await twoNodes();
    const onA = recorder(a);
    const onB = recorder(b);
    await a.create(path, "text/plain", "one;");
    await a.append(path, "text/plain", "two;");
    await onB.next((e) => e.type === "appended" && e.path === path && e.end === 8);
    // A change B makes afterwards is heard on A after everything B heard before it.
    const other = a.path("marker");
    await b.create(other, "text/plain", "m");
    await onA.next((e) => e.type === "appended" && e.path === other);
    const appendsOnA = onA.seen.filter((e) => e.type === "appended" && e.path === path);
    expect(appendsOnA).toEqual([
      { type: "appended", path, start: 0, end: 4, messages: 1 },
      { type: "appended", path, start: 4, end: 8, messages: 1 },
    ]);
  });
});
