/**
 * The SSE parsing path: examples, then properties. Events are encoded with the protocol
 * module's own SSE builders (the server's encoding), split at arbitrary points, and decoded.
 */
import { controlEvent, sseEvent, textDataLines } from "@rivulet/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunkBytes, type RawChunk } from "../src/read/chunk.js";
import { decodeBase64, SseChunkDecoder } from "../src/read/sse-decoder.js";

const URL_ = "http://example.test/s";

function decodeAll(text: string, base64 = false, cuts: number[] = []): RawChunk[] {
  const decoder = new SseChunkDecoder({ base64, url: URL_ });
  const out: RawChunk[] = [];
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    out.push(...decoder.push(text.slice(at, cut)));
    at = cut;
  }
  out.push(...decoder.push(text.slice(at)));
  return out;
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

describe("SseChunkDecoder examples", () => {
  it("pairs data with the following control event", () => {
    const text =
      sseEvent("data", ["[", '{"k":"v"},', '{"k":"w"}', "]"]) +
      controlEvent({ streamNextOffset: "0_2", streamCursor: "abc", upToDate: true });
    const [chunk] = decodeAll(text);
    expect(JSON.parse(chunk?.pieces[0] as string)).toEqual([{ k: "v" }, { k: "w" }]);
    expect(chunk).toMatchObject({ offset: "0_2", cursor: "abc", upToDate: true, closed: false });
  });

  it("a control event alone is a chunk without data; closure implies up-to-date", () => {
    const [chunk] = decodeAll(controlEvent({ streamNextOffset: "0_9", streamClosed: true }));
    expect(chunk).toMatchObject({ pieces: [], offset: "0_9", upToDate: true, closed: true, cursor: undefined });
  });

  it("decodes base64 split over several data lines with CR/LF between them", () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const b64 = toBase64(bytes);
    const text = `event: data\r\ndata: ${b64.slice(0, 4)}\r\ndata: ${b64.slice(4)}\r\n\r\n${controlEvent({ streamNextOffset: "0_10" })}`;
    const [chunk] = decodeAll(text, true);
    expect([...(chunk!.pieces[0] as Uint8Array)]).toEqual([...bytes]);
  });

  it("at the end of a body, an event closed by a lone CR is delivered; one without its blank line is not", () => {
    const control = 'event: control\rdata: {"streamNextOffset":"0_5","upToDate":true}\r';
    for (const ending of ["\r", "\r\n\r"]) {
      const decoder = new SseChunkDecoder({ base64: false, url: URL_ });
      const body = `event: data\rdata: [1]\r\r${control}${ending}`;
      // Fed whole, the final CR is held back: it could still be half of a CRLF.
      const early = decoder.push(body);
      const late = decoder.end();
      expect([...early, ...late].map((c) => [c.pieces, c.offset])).toEqual([[["[1]"], "0_5"]]);
    }
    const incomplete = new SseChunkDecoder({ base64: false, url: URL_ });
    expect([...incomplete.push(control), ...incomplete.end()]).toEqual([]);
    // end() after a body that ended cleanly adds nothing.
    const clean = new SseChunkDecoder({ base64: false, url: URL_ });
    expect(clean.push(`${control}\r`.replaceAll("\r", "\n"))).toHaveLength(1);
    expect(clean.end()).toEqual([]);
  });

  it("ignores comments and unknown event types", () => {
    const text = `: keep-alive\n\nevent: other\ndata: x\n\n${controlEvent({ streamNextOffset: "0_1" })}`;
    expect(decodeAll(text)).toHaveLength(1);
  });

  it("rejects malformed control events and bad base64 as PARSE_ERROR", () => {
    expect(() => decodeAll("event: control\ndata: {nope\n\n")).toThrow(
      expect.objectContaining({ code: "PARSE_ERROR" }),
    );
    expect(() => decodeAll('event: control\ndata: {"upToDate":true}\n\n')).toThrow(
      expect.objectContaining({ code: "PARSE_ERROR" }),
    );
    expect(() => decodeAll("event: data\ndata: abc\n\n", true)).toThrow(
      expect.objectContaining({ code: "PARSE_ERROR" }),
    );
    expect(() => decodeBase64("ab!=")).toThrow();
  });
});

/** One protocol exchange: some data events, then a control event. */
interface Exchange {
  data: string[];
  offset: string;
  cursor: string | undefined;
  upToDate: boolean;
  closed: boolean;
}

const controlArb = {
  offset: fc.stringMatching(/^[0-9]{1,8}_[0-9]{1,8}$/),
  cursor: fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined }),
  upToDate: fc.boolean(),
  closed: fc.boolean(),
};

function encodeExchanges(exchanges: Exchange[], lines: (payload: string) => string[]): string {
  let text = "";
  for (const exchange of exchanges) {
    for (const payload of exchange.data) text += sseEvent("data", lines(payload));
    const control: Parameters<typeof controlEvent>[0] = { streamNextOffset: exchange.offset };
    if (exchange.cursor !== undefined) control.streamCursor = exchange.cursor;
    if (exchange.upToDate) control.upToDate = true;
    if (exchange.closed) control.streamClosed = true;
    text += controlEvent(control);
  }
  return text;
}

function cutsFor(text: string) {
  return fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 12 });
}

function checkMeta(chunks: RawChunk[], exchanges: Exchange[]) {
  expect(chunks.map((c) => [c.offset, c.cursor, c.upToDate || c.closed, c.closed])).toEqual(
    exchanges.map((e) => [e.offset, e.cursor, e.upToDate || e.closed, e.closed]),
  );
}

describe("SseChunkDecoder properties", () => {
  it("text payloads survive any split, with line breaks normalised to LF", () => {
    const exchange = fc.record({ data: fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }), ...controlArb });
    fc.assert(
      fc.property(
        fc.array(exchange, { minLength: 1, maxLength: 5 }).chain((exchanges) => {
          const text = encodeExchanges(exchanges, textDataLines);
          return fc.tuple(fc.constant(exchanges), fc.constant(text), cutsFor(text));
        }),
        ([exchanges, text, cuts]) => {
          const chunks = decodeAll(text, false, cuts);
          checkMeta(chunks, exchanges);
          chunks.forEach((chunk, i) => {
            const expected = exchanges[i]!.data.map((d) => d.replace(/\r\n|\r/g, "\n"));
            expect(chunk.pieces).toEqual(expected);
          });
        },
      ),
    );
  });

  it("JSON batches survive any split and parse back to the same items", () => {
    const exchange = fc.record({
      data: fc.array(
        fc.array(fc.jsonValue(), { minLength: 1, maxLength: 4 }).map((items) => JSON.stringify(items, null, 1)),
        {
          maxLength: 2,
        },
      ),
      ...controlArb,
    });
    fc.assert(
      fc.property(
        fc.array(exchange, { minLength: 1, maxLength: 4 }).chain((exchanges) => {
          const text = encodeExchanges(exchanges, textDataLines);
          return fc.tuple(fc.constant(exchanges), fc.constant(text), cutsFor(text));
        }),
        ([exchanges, text, cuts]) => {
          const chunks = decodeAll(text, false, cuts);
          checkMeta(chunks, exchanges);
          chunks.forEach((chunk, i) => {
            const parsed = chunk.pieces.map((p) => JSON.parse(p as string));
            expect(parsed).toEqual(exchanges[i]!.data.map((d) => JSON.parse(d)));
          });
        },
      ),
    );
  });

  it("binary payloads survive base64 over SSE with any split and CRLF framing", () => {
    const exchange = fc.record({
      data: fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }).map(toBase64), { maxLength: 3 }),
      ...controlArb,
    });
    fc.assert(
      fc.property(
        fc.array(exchange, { minLength: 1, maxLength: 4 }).chain((exchanges) => {
          // Split base64 across data lines every 8 characters, and use CRLF line ends.
          const lf = encodeExchanges(exchanges, (b64) => b64.match(/.{1,8}/g) ?? [""]);
          const text = lf.replace(/\n/g, "\r\n");
          return fc.tuple(fc.constant(exchanges), fc.constant(text), cutsFor(text));
        }),
        ([exchanges, text, cuts]) => {
          const chunks = decodeAll(text, true, cuts);
          checkMeta(chunks, exchanges);
          chunks.forEach((chunk, i) => {
            const expected = exchanges[i]!.data.map((b64) => [...Buffer.from(b64, "base64")]);
            expect(chunk.pieces.map((p) => [...(p as Uint8Array)])).toEqual(expected);
            expect([...chunkBytes(chunk)]).toEqual(expected.flat());
          });
        },
      ),
    );
  });
});
