/**
 * Holes (json.ts): a compacted stream's removed messages read as spaces ending in a newline.
 * Whatever is removed, a read is valid JSON holding exactly the kept messages, and message
 * boundaries and counts are those of the original.
 */
import {
  frameJson,
  isHole,
  jsonDataLines,
  jsonWireParts,
  messagesLength,
  storedMessages,
  writeHole,
} from "@rivulet/protocol";
import fc from "fast-check";
import { describe, expect, test } from "vitest";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Stored messages of `values`, with those marked removed turned into holes; also each message's span. */
function storedWithHoles(values: unknown[], removed: boolean[]): { stored: Uint8Array; spans: [number, number][] } {
  const { data } = frameJson(encoder.encode(JSON.stringify(values)));
  const spans: [number, number][] = [];
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const nl = data.indexOf(0x0a, at);
    spans.push([at, nl + 1]);
    if (removed[i]) writeHole(data, at, nl + 1);
    at = nl + 1;
  }
  return { stored: data, spans };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const values = fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 1, maxLength: 12 });

describe("holes", () => {
  test("property: a read (in pieces cut at a message boundary) is the kept messages, as JSON and as SSE lines", () => {
    fc.assert(
      fc.property(
        values.chain((vs) =>
          fc.tuple(fc.constant(vs), fc.array(fc.boolean(), { minLength: vs.length, maxLength: vs.length }), fc.nat()),
        ),
        ([vs, removed, cut]) => {
          const { stored, spans } = storedWithHoles(vs, removed);
          const kept = vs.filter((_, i) => !removed[i]).map((v) => JSON.parse(JSON.stringify(v)));
          const at = spans[cut % spans.length]![1];
          const pieces = [stored.subarray(0, at), stored.subarray(at)];
          expect(JSON.parse(decoder.decode(concat(jsonWireParts(pieces))))).toEqual(kept);
          const lines = jsonDataLines(decoder.decode(stored));
          expect(JSON.parse(lines.join("\n"))).toEqual(kept);
          expect(storedMessages(stored).map((m) => JSON.parse(decoder.decode(m)))).toEqual(kept);
        },
      ),
    );
  });

  test("property: boundaries and counts are those of the original", () => {
    fc.assert(
      fc.property(
        values.chain((vs) =>
          fc.tuple(fc.constant(vs), fc.array(fc.boolean(), { minLength: vs.length, maxLength: vs.length })),
        ),
        ([vs, removed]) => {
          const { stored, spans } = storedWithHoles(vs, removed);
          for (let i = 0; i < spans.length; i++) {
            expect(messagesLength(stored, i + 1)).toBe(spans[i]![1]);
            expect(isHole(stored, spans[i]![0])).toBe(removed[i]);
          }
        },
      ),
    );
  });

  test("a run of nothing but holes reads as an empty array", () => {
    const { stored } = storedWithHoles([1, "two", { three: 3 }], [true, true, true]);
    expect(decoder.decode(concat(jsonWireParts([stored])))).toBe("[]");
    expect(JSON.parse(jsonDataLines(decoder.decode(stored)).join("\n"))).toEqual([]);
  });

  test("a hole keeps the length and the final newline of the message it replaces", () => {
    const bytes = encoder.encode('{"a":1},\n');
    writeHole(bytes, 0, bytes.length);
    expect(decoder.decode(bytes)).toBe(`${" ".repeat(8)}\n`);
  });

  test("stored bytes that end neither in a message nor in a hole are refused", () => {
    expect(() => jsonWireParts([encoder.encode("  1  \n")])).toThrow(RangeError);
  });
});
