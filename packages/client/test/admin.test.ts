/**
 * `@rivulet/client/admin` (docs/extensions.md, "Retention" and "Trim"): a stream's retention
 * settings read and changed, explicit trims, and what readers then see: 410 with the earliest
 * offset. The stream root comes from the client's base URL or, for a bare handle, from the
 * folders above its stream; a server mounted under another base path works the same.
 */
import { type ClientEvent, createClient, DurableStream, GoneError } from "@rivulet/client";
import { capabilitiesOf, getRetention, setRetention, trim } from "@rivulet/client/admin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let mounted: TestServer;
beforeAll(async () => {
  server = await startTestServer({ retentionMs: 86_400_000 });
  mounted = await startTestServer({ basePath: "/api/streams" });
});
afterAll(async () => {
  await server.close();
  await mounted.close();
});

async function threeAppends(url: string, options: { onEvent?: (e: ClientEvent) => void } = {}) {
  const handle = await DurableStream.create({ url, contentType: "application/json", ...options });
  const offsets: string[] = [];
  for (const item of ["a", "b", "c"]) offsets.push((await handle.appendJson(item)).offset);
  return { handle, offsets };
}

describe("retention settings", () => {
  it("reads the stream's own settings, what applies, and where it starts and ends", async () => {
    const { handle, offsets } = await threeAppends(server.streamUrl("read"));
    expect(await getRetention(handle)).toEqual({
      ms: null,
      bytes: null,
      effectiveMs: 86_400_000,
      effectiveBytes: null,
      earliestOffset: (await handle.readOnce({ records: true })).records![0]!.offset,
      nextOffset: offsets[2],
      nextSeq: 3,
    });
  });

  it("sets, and removes with null (the server's default applies again); absent keeps a setting", async () => {
    const { handle } = await threeAppends(server.streamUrl("set"));
    expect(await setRetention(handle, { ms: 60_000, bytes: 4096 })).toMatchObject({
      ms: 60_000,
      bytes: 4096,
      effectiveMs: 60_000,
      effectiveBytes: 4096,
    });
    expect(await handle.head()).toMatchObject({ retentionMs: 60_000, retentionBytes: 4096 });
    expect(await setRetention(handle, { ms: null })).toMatchObject({ ms: null, bytes: 4096, effectiveMs: 86_400_000 });
    expect(await getRetention(handle)).toMatchObject({ ms: null, bytes: 4096 });
  });

  it.each([
    [{}, "change"],
    [null, "change"],
    [{ ms: -1 }, "ms"],
    [{ bytes: 1.5 }, "bytes"],
    [{ ms: "7d" }, "ms"],
  ])("a change of %j is INVALID_ARGUMENT naming %s, before any request", async (change, option) => {
    const events: ClientEvent[] = [];
    const handle = new DurableStream({ url: server.streamUrl("bad-change"), onEvent: (e) => events.push(e) });
    await expect(setRetention(handle, change as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", option });
    expect(events).toEqual([]);
  });

  it("a missing stream is NOT_FOUND", async () => {
    const missing = new DurableStream({ url: server.streamUrl("missing") });
    await expect(getRetention(missing)).rejects.toMatchObject({ code: "NOT_FOUND", status: 404 });
    await expect(setRetention(missing, { ms: 1000 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(trim(missing, "now")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("trim", () => {
  it("moves the earliest offset to a message boundary; reads before it are 410 with the earliest offset", async () => {
    const { handle, offsets } = await threeAppends(server.streamUrl("trim"));
    expect(await trim(handle, offsets[1]!)).toEqual({ earliestOffset: offsets[1], nextOffset: offsets[2] });
    expect((await handle.head()).earliestOffset).toBe(offsets[1]);
    expect(await (await handle.stream({ offset: "earliest" })).json()).toEqual(["c"]);
    const gone = await handle.stream({ offset: offsets[0]! }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(GoneError);
    expect(gone).toMatchObject({
      code: "GONE",
      status: 410,
      serverCode: "OFFSET_OUT_OF_RANGE",
      earliestOffset: offsets[1],
    });
    await expect(handle.readOnce({ offset: offsets[0]! })).rejects.toMatchObject({ earliestOffset: offsets[1] });
    for (const live of ["long-poll", "sse"] as const) {
      await expect(handle.stream({ offset: offsets[0]!, live })).rejects.toMatchObject({
        code: "GONE",
        earliestOffset: offsets[1],
      });
    }
    // Never backwards.
    expect((await trim(handle, offsets[0]!)).earliestOffset).toBe(offsets[1]);
    expect((await trim(handle, "now")).earliestOffset).toBe(offsets[2]);
  });

  it("refuses an empty offset at once, and a malformed one is the server's BAD_REQUEST", async () => {
    const { handle } = await threeAppends(server.streamUrl("bad-trim"));
    await expect(trim(handle, "")).rejects.toMatchObject({ code: "INVALID_ARGUMENT", option: "offset" });
    await expect(trim(handle, "yesterday")).rejects.toMatchObject({
      code: "BAD_REQUEST",
      serverCode: "INVALID_OFFSET",
    });
  });
});

describe("finding the stream root", () => {
  it("a bare handle of a nested stream looks in the folders above it, once per handle", async () => {
    const events: ClientEvent[] = [];
    const url = `${server.url}/v1/stream/team-${Date.now()}/orders/2026`;
    const { handle } = await threeAppends(url, { onEvent: (e) => events.push(e) });
    const capabilities = await capabilitiesOf(handle);
    expect(capabilities?.base).toBe(`${server.url}/v1/stream`);
    expect(capabilities?.extensions).toMatchObject({ retention: 1, trim: 1, records: 1, "conditional-append": 1 });
    await getRetention(handle);
    await trim(handle, "now");
    const asked = events.filter(
      (e) => e.type === "request:start" && String((e as { url: string }).url).includes("__ds/capabilities"),
    );
    // team-…/orders, team-…, then the root: three folders, each asked once.
    expect(asked).toHaveLength(3);
  });

  it("a client's base URL is used as it is, for a server mounted elsewhere too", async () => {
    const events: ClientEvent[] = [];
    const client = createClient({ baseUrl: `${mounted.url}/api/streams`, onEvent: (e) => events.push(e) });
    const handle = await client.create(`mounted-${Date.now()}`, { contentType: "text/plain" });
    await handle.append("x");
    expect((await setRetention(handle, { bytes: 1 << 20 })).bytes).toBe(1 << 20);
    const asked = events.filter(
      (e) => e.type === "request:start" && String((e as { url: string }).url).includes("__ds/capabilities"),
    );
    expect(asked.map((e) => (e as { url: string }).url)).toEqual([`${mounted.url}/api/streams/__ds/capabilities`]);
  });

  it("a server that answers nothing to capabilities makes admin calls UNSUPPORTED", async () => {
    const handle = new DurableStream({
      url: "http://127.0.0.1:9/x",
      fetch: async () => new Response("", { status: 404 }),
    });
    await expect(getRetention(handle)).rejects.toMatchObject({ code: "UNSUPPORTED" });
    expect(await capabilitiesOf(handle)).toBeUndefined();
  });

  it("a capabilities request that fails is not remembered: the next call asks again", async () => {
    let failures = 1;
    const fetchOnce: typeof fetch = async (input, init) => {
      if (String(input).includes("__ds/capabilities") && failures-- > 0) return new Response("", { status: 401 });
      return fetch(input, init);
    };
    const { handle } = await threeAppends(server.streamUrl("flaky-caps"));
    const via = new DurableStream({ url: handle.url, fetch: fetchOnce });
    await expect(getRetention(via)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect((await getRetention(via)).nextSeq).toBe(3);
  });
});
