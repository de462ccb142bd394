/**
 * Appends of JSON messages a validating parse already framed (a produce request's envelopes):
 * stored as they are, counted as the messages they hold, and only on JSON streams (PROTOCOL
 * §7.2, §9.1) — the same outcome as the body they came from, without a second parse.
 */
import { frameEnvelopes, frameJson, ProtocolError, parseProducedRecords, storedMessages } from "@rivulet/protocol";
import { Engine, type EngineEvent, MemoryStore } from "@rivulet/server";
import { describe, expect, test } from "vitest";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const create = (contentType: string) => ({
  contentType,
  lifetime: {},
  closed: false,
  body: new Uint8Array(0),
  retention: {},
  fork: undefined,
});
const append = (body: Parameters<Engine["append"]>[1]["body"], contentType = "application/json") => ({
  body,
  hasBody: true,
  contentType,
  close: false,
  streamSeq: undefined,
  producer: undefined,
});

async function opened() {
  const engine = new Engine({ store: new MemoryStore() });
  await engine.open();
  const appended: EngineEvent[] = [];
  engine.events.on("appended", (event) => appended.push(event));
  return { engine, appended };
}

async function storedText(engine: Engine, path: string): Promise<string> {
  const stream = await engine.get(path, false);
  return decoder.decode(await engine.readStored(stream, 0, stream.tail));
}

describe("pre-framed JSON appends", () => {
  test("stored byte for byte as the same body appended raw would be, with its message count", async () => {
    const { engine, appended } = await opened();
    const body = '[{"key":"a","value":{"n":1}},{"key":null,"value":[1,\n2],"ts":9}]';
    const records = parseProducedRecords(encoder.encode(body), 10);
    const framed = frameEnvelopes(records, [0, 1], 5);
    await engine.create("/s/framed", create("application/json"));
    await engine.create("/s/raw", create("application/json"));
    const result = await engine.append("/s/framed", append(framed));
    const texts = storedMessages(framed.data).map((message) => decoder.decode(message));
    await engine.append("/s/raw", append(encoder.encode(`[${texts.join(",")}]`)));

    expect(await storedText(engine, "/s/framed")).toBe(await storedText(engine, "/s/raw"));
    expect(result).toMatchObject({ written: true, tail: framed.data.length, appended: { seq: 0 } });
    expect(appended[0]).toMatchObject({ path: "/s/framed", start: 0, end: framed.data.length, messages: 2 });
  });

  test("a byte stream refuses them (CONTENT_TYPE_MISMATCH) and stores nothing", async () => {
    const { engine, appended } = await opened();
    await engine.create("/s/bytes", create("application/octet-stream"));
    const framed = frameJson(encoder.encode("[1,2]"));
    // Even when the request claims the stream's own type: JSON messages are not bytes.
    const refused = engine.append("/s/bytes", append(framed, "application/octet-stream"));
    await expect(refused).rejects.toBeInstanceOf(ProtocolError);
    await expect(refused).rejects.toMatchObject({ code: "CONTENT_TYPE_MISMATCH" });
    expect((await engine.get("/s/bytes", false)).tail).toBe(0);
    expect(appended).toEqual([]);
  });

  test("no messages is an empty append (EMPTY_JSON_ARRAY), as a raw `[]` is", async () => {
    const { engine } = await opened();
    await engine.create("/s/empty", create("application/json"));
    await expect(engine.append("/s/empty", append(frameJson(encoder.encode("[]"))))).rejects.toMatchObject({
      code: "EMPTY_JSON_ARRAY",
    });
    expect((await engine.get("/s/empty", false)).tail).toBe(0);
  });

  test("a transaction item may carry them too, stored as they are", async () => {
    const { engine } = await opened();
    await engine.create("/s/a", create("application/json"));
    const framed = frameJson(encoder.encode('[{"x":1},\r\n{"y":2}]'));
    const [result] = await engine.appendAtomic([{ path: "/s/a", ...append(framed) }]);
    expect(result).toMatchObject({ written: true, tail: framed.data.length });
    expect(await storedText(engine, "/s/a")).toBe('{"x":1},\n{"y":2},\n');
  });
});
