import { frameJson, jsonWireParts, messagesLength, storedMessages, wholeMessagesLength } from "@rivulet/protocol";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { expectProtocolError } from "./expect-error.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** What a read of everything stored returns, parsed. */
function readBack(stored: readonly Uint8Array[]): unknown {
  return JSON.parse(decoder.decode(concat(jsonWireParts(stored))));
}

function newlineCount(data: Uint8Array): number {
  return data.filter((b) => b === 0x0a).length;
}

/** §9.1.2: a top-level array is flattened one level; any other value is one message. */
function flattened(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

// Strings with the characters the splitter must respect: quotes, escapes, brackets, commas, newlines.
const trickyString = fc.string({
  unit: fc.constantFrom("a", "\\", '"', "[", "]", "{", "}", ",", "\n", "\r", " ", "é", "😀", "\u2028"),
});
const { trickyJson } = fc.letrec((tie) => ({
  trickyJson: fc.oneof(
    { depthSize: "small" },
    trickyString,
    fc.integer(),
    fc.constant(null),
    fc.array(tie("trickyJson"), { maxLength: 4 }),
    fc.dictionary(trickyString, tie("trickyJson"), { maxKeys: 3 }),
  ),
}));
const jsonValue = fc.oneof(fc.jsonValue({ maxDepth: 4, stringUnit: "grapheme" }), trickyJson);
// Serialisations a client may send: compact, pretty with LF, pretty with CRLF, with a BOM.
const serialise = fc.constantFrom(
  (v: unknown) => JSON.stringify(v),
  (v: unknown) => JSON.stringify(v, null, 2),
  (v: unknown) => `\r\n ${JSON.stringify(v, null, "\t").replaceAll("\n", "\r\n")} \n`,
  (v: unknown) => `\uFEFF${JSON.stringify(v)}`,
);

describe("frameJson + jsonWireParts round trip (PROTOCOL §9.1)", () => {
  test("property: any JSON body reads back as its flattened messages", () => {
    fc.assert(
      fc.property(jsonValue, serialise, (value, toText) => {
        const expected = flattened(JSON.parse(JSON.stringify(value)));
        const framed = frameJson(bytes(toText(value)));
        expect(framed.messageCount).toBe(expected.length);
        expect(readBack([framed.data])).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  test("property: stored form has exactly one newline per message, at the end of each", () => {
    fc.assert(
      fc.property(jsonValue, serialise, (value, toText) => {
        const { data, messageCount } = frameJson(bytes(toText(value)));
        expect(newlineCount(data)).toBe(messageCount);
        if (messageCount > 0) expect(data.at(-1)).toBe(0x0a);
        expect(wholeMessagesLength(data)).toBe(data.length);
      }),
      { numRuns: 400 },
    );
  });

  test("property: storedMessages yields each message's JSON text", () => {
    fc.assert(
      fc.property(jsonValue, serialise, (value, toText) => {
        const { data } = frameJson(bytes(toText(value)));
        const texts = storedMessages(data).map((m) => JSON.parse(decoder.decode(m)));
        expect(texts).toEqual(flattened(JSON.parse(JSON.stringify(value))));
      }),
    );
  });

  test("property: several appends stored back to back, split at any message boundary, read as one array", () => {
    fc.assert(
      fc.property(fc.array(jsonValue, { minLength: 1, maxLength: 5 }), fc.nat(), (values, cut) => {
        const stored = concat(values.map((v) => frameJson(bytes(JSON.stringify(v))).data));
        const expected = values.flatMap((v) => flattened(JSON.parse(JSON.stringify(v))));
        // A fork read stitches source and fork pieces; the cut is at a message boundary.
        const boundaries = [0];
        stored.forEach((b, i) => {
          if (b === 0x0a) boundaries.push(i + 1);
        });
        const at = boundaries[cut % boundaries.length]!;
        expect(readBack([stored.subarray(0, at), stored.subarray(at)])).toEqual(expected);
      }),
    );
  });
});

describe("frameJson examples", () => {
  const framedText = (body: string) => decoder.decode(frameJson(bytes(body)).data);

  test("flattens exactly one level (§9.1.2 examples)", () => {
    expect(framedText('{"event": "created"}')).toBe('{"event": "created"},\n');
    expect(framedText('[{"event": "a"}, {"event": "b"}]')).toBe('{"event": "a"},\n{"event": "b"},\n');
    expect(framedText("[[1,2], [3,4]]")).toBe("[1,2],\n[3,4],\n");
    expect(framedText("[[[1,2,3]]]")).toBe("[[1,2,3]],\n");
  });

  test("an empty array frames zero messages (the caller decides if that is allowed)", () => {
    expect(frameJson(bytes("[]"))).toEqual({ data: new Uint8Array(0), messageCount: 0 });
    expect(frameJson(bytes(" [ \n ] ")).messageCount).toBe(0);
  });

  test("raw newlines inside a message become spaces; escaped ones are untouched", () => {
    expect(framedText('{\n"a":\r\n"x\\ny"\n}')).toBe('{ "a":  "x\\ny" },\n');
  });

  test.each(["", "{", "[1,]", "{'a':1}", "undefined", "[1] [2]", "NaN"])("invalid JSON %j is INVALID_JSON", (body) => {
    expectProtocolError(() => frameJson(bytes(body)), "INVALID_JSON");
  });

  test("invalid UTF-8 is INVALID_JSON", () => {
    expectProtocolError(() => frameJson(new Uint8Array([0x22, 0xff, 0x22])), "INVALID_JSON");
  });
});

describe("jsonWireParts", () => {
  test("no messages reads as []", () => {
    expect(decoder.decode(concat(jsonWireParts([])))).toBe("[]");
    expect(decoder.decode(concat(jsonWireParts([new Uint8Array(0)])))).toBe("[]");
  });

  test("a piece that does not end on a boundary is a programming error", () => {
    expect(() => jsonWireParts([bytes("1")])).toThrow(RangeError);
  });
});

describe("message boundary helpers", () => {
  const stored = bytes('{"a":1},\n[2],\n"three",\n');

  test("wholeMessagesLength cuts at the last complete message", () => {
    expect(wholeMessagesLength(stored)).toBe(stored.length);
    expect(wholeMessagesLength(stored.subarray(0, stored.length - 3))).toBe('{"a":1},\n[2],\n'.length);
    expect(wholeMessagesLength(stored.subarray(0, 3))).toBe(0);
  });

  test("messagesLength counts whole messages, undefined past the end", () => {
    expect(messagesLength(stored, 0)).toBe(0);
    expect(messagesLength(stored, 1)).toBe('{"a":1},\n'.length);
    expect(messagesLength(stored, 3)).toBe(stored.length);
    expect(messagesLength(stored, 4)).toBeUndefined();
  });

  test("storedMessages strips the separators", () => {
    expect(storedMessages(stored).map((m) => decoder.decode(m))).toEqual(['{"a":1}', "[2]", '"three"']);
    expect(storedMessages(new Uint8Array(0))).toEqual([]);
  });
});
