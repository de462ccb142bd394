/** The engine's event feed: what happened to streams, once durable, in order. */
import { Engine, type EngineEvent, MemoryStore } from "@rivulet/server";
import { describe, expect, test } from "vitest";

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const text = (value: string) => new TextEncoder().encode(value);
const create = (contentType: string, body = new Uint8Array(0), extra: object = {}) => ({
  contentType,
  lifetime: {},
  closed: false,
  body,
  retention: {},
  fork: undefined,
  ...extra,
});
const append = (body: Uint8Array, contentType: string | undefined, close = false) => ({
  body,
  hasBody: body.length > 0,
  contentType,
  close,
  streamSeq: undefined,
  producer: undefined,
});

async function recorded(now?: () => number) {
  const engine = new Engine({ store: new MemoryStore(), ...(now ? { now } : {}) });
  await engine.open();
  const events: EngineEvent[] = [];
  for (const type of ["created", "appended", "closed", "expired", "deleted"] as const) {
    engine.events.on(type, (event) => events.push(event));
  }
  return { engine, events };
}

describe("engine events", () => {
  test("create, append (positions and message counts), close and delete, in order", async () => {
    const { engine, events } = await recorded();
    await engine.create("/s/a", create("application/json", json([{ n: 1 }, { n: 2 }])));
    await engine.append("/s/a", append(json([{ n: 3 }, { n: 4 }, { n: 5 }]), "application/json"));
    await engine.append("/s/a", append(new Uint8Array(0), undefined, true));
    await engine.delete("/s/a");
    expect(events.map((e) => e.type)).toEqual(["created", "appended", "appended", "closed", "deleted"]);
    expect(events[1]).toEqual({ type: "appended", path: "/s/a", start: 0, end: 18, messages: 2 });
    expect(events[2]).toEqual({ type: "appended", path: "/s/a", start: 18, end: 45, messages: 3 });
    expect(events[3]).toEqual({ type: "closed", path: "/s/a", tail: 45 });
    expect(events[4]).toEqual({ type: "deleted", path: "/s/a", soft: false, cause: "request" });
  });

  test("a byte stream's append is one message; a duplicate from a producer is no event", async () => {
    const { engine, events } = await recorded();
    await engine.create("/s/b", create("text/plain"));
    const producer = { id: "p", epoch: 0, seq: 0 };
    const intent = { ...append(text("abc"), "text/plain"), producer };
    await engine.append("/s/b", intent);
    await engine.append("/s/b", intent);
    expect(events.filter((e) => e.type === "appended")).toEqual([
      { type: "appended", path: "/s/b", start: 0, end: 3, messages: 1 },
    ]);
  });

  test("a source with a fork is deleted softly; expiry is announced before the removal", async () => {
    let now = 1_000_000;
    const { engine, events } = await recorded(() => now);
    await engine.create("/s/src", create("text/plain", text("x")));
    await engine.create(
      "/s/fork",
      create(undefined as unknown as string, new Uint8Array(0), {
        fork: { source: "/s/src", offset: undefined, subOffset: 0 },
        lifetime: { ttlSeconds: 1 },
      }),
    );
    await engine.delete("/s/src");
    expect(events.at(-1)).toEqual({ type: "deleted", path: "/s/src", soft: true, cause: "request" });
    now += 2_000;
    await expect(engine.get("/s/fork", false)).rejects.toMatchObject({ code: "STREAM_NOT_FOUND" });
    await expect.poll(() => events.filter((e) => e.type === "deleted").length).toBe(3);
    expect(events.slice(-3)).toEqual([
      { type: "expired", path: "/s/fork" },
      { type: "deleted", path: "/s/fork", soft: false, cause: "expired", source: "/s/src" },
      { type: "deleted", path: "/s/src", soft: false, cause: "released" },
    ]);
  });

  test("a listener that throws is reported and changes nothing", async () => {
    const reported: unknown[] = [];
    const engine = new Engine({ store: new MemoryStore(), onListenerError: (error) => reported.push(error) });
    await engine.open();
    engine.events.on("created", () => {
      throw new Error("listener bug");
    });
    const { created } = await engine.create("/s/c", create("text/plain"));
    expect(created).toBe(true);
    expect(reported).toEqual([new Error("listener bug")]);
    expect((await engine.get("/s/c", false)).path).toBe("/s/c");
  });

  test("a stopped listener hears nothing more", async () => {
    const { engine } = await recorded();
    const heard: string[] = [];
    const stop = engine.events.on("created", (event) => heard.push(event.path));
    await engine.create("/s/d", create("text/plain"));
    stop();
    await engine.create("/s/e", create("text/plain"));
    expect(heard).toEqual(["/s/d"]);
  });
});
