import {
  envelopeKey,
  frameEnvelopes,
  frameJson,
  memberSpan,
  objectMembers,
  type ProducedRecord,
  parseProducedRecords,
  storedMessages,
} from "@rivulet/protocol";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { expectProtocolError } from "./expect-error.js";

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

/** A parsed record's fields, its value as text. */
const fields = ({ key, value, headers, ts, partition }: ProducedRecord) => ({ key, value, headers, ts, partition });

describe("parseProducedRecords", () => {
  test("an array of records, every field optional", () => {
    const records = parseProducedRecords(
      bytes('[{"key":"a","value":{"n":1},"headers":{"h":"v"},"ts":5,"partition":2},{}]'),
      10,
    );
    expect(records.map(fields)).toEqual([
      { key: "a", value: '{"n":1}', headers: '{"h":"v"}', ts: 5, partition: 2 },
      { key: null, value: "null", headers: "{}", ts: undefined, partition: undefined },
    ]);
  });

  test("one record object is a request of one record", () => {
    expect(parseProducedRecords(bytes('{"key":null,"value":[1,2]}'), 10).map(fields)).toEqual([
      { key: null, value: "[1,2]", headers: "{}", ts: undefined, partition: undefined },
    ]);
  });

  test("values are kept byte for byte: large integers keep every digit", () => {
    const [record] = parseProducedRecords(bytes('[{"value": 12345678901234567890123 }]'), 10);
    expect(record!.value).toBe("12345678901234567890123");
    const stored = new TextDecoder().decode(frameEnvelopes([record!], [0], 7).data);
    expect(stored).toBe('{"key":null,"value":12345678901234567890123,"headers":{},"ts":7},\n');
  });

  test("strings with braces, commas and escapes inside do not confuse the scan", () => {
    const [record] = parseProducedRecords(bytes('[{"value":"a,}\\"{]","key":"k\\"}"}]'), 10);
    expect(fields(record!)).toMatchObject({ key: 'k"}', value: '"a,}\\"{]"' });
  });

  test("bad records are refused with INVALID_RECORD naming the record and the field", () => {
    const cases: Array<[string, RegExp]> = [
      ["[1]", /Record 0: a record is a JSON object/],
      ['[{}, {"kye":"x"}]', /Record 1: unknown field "kye"/],
      ['[{"key":5}]', /key must be a string or null/],
      ['[{"headers":{"a":1}}]', /headers must be an object of strings/],
      ['[{"headers":[]}]', /headers must be an object of strings/],
      ['[{"ts":-1}]', /ts must be/],
      ['[{"ts":1.5}]', /ts must be/],
      ['[{"partition":"0"}]', /partition must be/],
      // Sent as null is not absent.
      ['[{"headers":null}]', /headers must be an object of strings/],
      ['[{"ts":null}]', /ts must be/],
      ['[{"partition":null}]', /partition must be/],
      ['[{"value":1,"__proto__":{}}]', /unknown field "__proto__"/],
    ];
    for (const [body, message] of cases) {
      const error = expectProtocolError(() => parseProducedRecords(bytes(body), 10), "INVALID_RECORD");
      expect(error.message, body).toMatch(message);
    }
  });

  test("too many records, none, or not JSON", () => {
    expectProtocolError(() => parseProducedRecords(bytes("[{},{},{}]"), 2), "INVALID_RECORD");
    expectProtocolError(() => parseProducedRecords(bytes("[]"), 2), "EMPTY_JSON_ARRAY");
    expectProtocolError(() => parseProducedRecords(bytes("[{"), 2), "INVALID_JSON");
    expectProtocolError(() => parseProducedRecords(new Uint8Array([0xff]), 2), "INVALID_JSON");
  });
});

describe("frameEnvelopes: a partition's envelopes in stored form, without another parse", () => {
  const decoder = new TextDecoder();
  const record = fc.record(
    {
      key: fc.oneof(fc.constant(null), fc.string({ unit: fc.constantFrom("a", "\n", '"', "\\", "é", "😀") })),
      value: fc.jsonValue({ maxDepth: 3 }),
      headers: fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
      ts: fc.nat(),
    },
    { requiredKeys: [] },
  );
  // Pretty-printed bodies put raw newlines inside values: stored, they must not split a message.
  const serialise = fc.constantFrom(
    (v: unknown) => JSON.stringify(v),
    (v: unknown) => JSON.stringify(v, null, 2),
    (v: unknown) => JSON.stringify(v, null, "\t").replaceAll("\n", "\r\n"),
  );

  test("property: one stored message per record, each the record's envelope, as frameJson stores it", () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 6 }), serialise, (sent, toText) => {
        const records = parseProducedRecords(bytes(toText(sent)), 100);
        const indices = records.map((_, i) => i).reverse();
        const framed = frameEnvelopes(records, indices, 42);
        const messages = storedMessages(framed.data).map((m) => decoder.decode(m));
        expect(framed.messageCount).toBe(sent.length);
        // Through JSON text, as the producer's values went (−0 is sent as 0).
        const expected = indices.map((i) => {
          const { key = null, value = null, headers = {}, ts = 42 } = sent[i]!;
          return JSON.parse(JSON.stringify({ key, value, headers, ts }));
        });
        expect(messages.map((m) => JSON.parse(m))).toEqual(expected);
        // Validating and framing the same messages again changes nothing: the form is §9.1's.
        expect(frameJson(bytes(`[${messages.join(",")}]`)).data).toEqual(framed.data);
      }),
    );
  });

  test("a raw newline in a value's text is stored as a space; the value is the same", () => {
    const records = parseProducedRecords(bytes('[{"key":"k","value":{\r\n"a" :\n[1,\n2]}}]'), 10);
    const framed = frameEnvelopes(records, [0], 7);
    expect(decoder.decode(framed.data)).toBe('{"key":"k","value":{  "a" : [1, 2]},"headers":{},"ts":7},\n');
  });

  test("keys and headers beyond ASCII or full of escapes, longer stored than sent, are written whole", () => {
    const key = "é\u0001😀\n".repeat(40);
    const sent = [
      { key, value: "ü", headers: { ключ: key } },
      { key: "a", value: 1 },
    ];
    const records = parseProducedRecords(bytes(JSON.stringify(sent)), 10);
    const framed = frameEnvelopes(records, [0, 1], 3);
    expect(storedMessages(framed.data).map((m) => JSON.parse(decoder.decode(m)))).toEqual([
      { key, value: "ü", headers: { ключ: key }, ts: 3 },
      { key: "a", value: 1, headers: {}, ts: 3 },
    ]);
  });

  test("records a parse did not make are refused: nothing reaches a stream unvalidated", () => {
    const forged = { key: null, value: "not json", headers: "{}", ts: 1, partition: undefined };
    expect(() => frameEnvelopes([forged as unknown as ProducedRecord], [0], 1)).toThrow(TypeError);
    const [parsed] = parseProducedRecords(bytes('{"value":1}'), 10);
    const Made = parsed!.constructor as new (...args: unknown[]) => ProducedRecord;
    expect(() => new Made(Symbol("parsed record"), null, "not json", "{}", 1, undefined)).toThrow(TypeError);
    const Framed = frameJson(bytes("1")).constructor as new (...args: unknown[]) => unknown;
    expect(() => new Framed(Symbol("framed JSON"), bytes("not json,\n"), 1)).toThrow(TypeError);
  });
});

describe("envelopeKey", () => {
  const key = (text: string) => envelopeKey(bytes(text), 0, text.length);

  test("a string key, and whether the value is a tombstone", () => {
    expect(key('{"key":"a","value":1,"headers":{},"ts":1}')).toEqual({ key: "a", tombstone: false });
    expect(key('{"key":"a","value":null,"headers":{},"ts":1}')).toEqual({ key: "a", tombstone: true });
    expect(key('{"key":"a"}')).toEqual({ key: "a", tombstone: true });
    expect(key('{"key":"a","value":"null"}')).toEqual({ key: "a", tombstone: false });
    expect(key('{"value":{"key":"inner"},"key":"outer"}')).toEqual({ key: "outer", tombstone: false });
  });

  test("no string key, no compaction: null keys, other messages, State Protocol deletes", () => {
    expect(key('{"key":null,"value":1}')).toBeUndefined();
    expect(key('{"key":7,"value":1}')).toBeUndefined();
    expect(key("[1,2]")).toBeUndefined();
    expect(key('"text"')).toBeUndefined();
    expect(key('{"type":"topic","key":"t","value":null,"headers":{"operation":"delete"}}')).toEqual({
      key: "t",
      tombstone: true,
    });
  });
});

describe("objectMembers", () => {
  test("spans of every member, nested values whole", () => {
    const text = ' { "a" : [1, {"b": 2}] , "c":"x" ,"d":{}}';
    const members = objectMembers(bytes(text), 0, text.length)!;
    expect([...members.keys()]).toEqual(["a", "c", "d"]);
    const slice = (name: string) => text.slice(...members.get(name)!);
    expect(slice("a")).toBe('[1, {"b": 2}]');
    expect(slice("c")).toBe('"x"');
    expect(slice("d")).toBe("{}");
    expect(objectMembers(bytes("[1]"), 0, 3)).toBeUndefined();
  });

  test("names with escapes, beyond ASCII or long are read as JSON strings", () => {
    const text = '{"k\\u0065y":1,"é":2,"a\\"b":3,"a-name-longer-than-sixteen":4,"":5}';
    const members = objectMembers(bytes(text), 0, bytes(text).length)!;
    expect([...members.keys()]).toEqual(["key", "é", 'a"b', "a-name-longer-than-sixteen", ""]);
  });
});

describe("memberSpan: one member's span, as JSON.parse would read the object", () => {
  test("property: the span of a name is objectMembers' span of it (the last of duplicates)", () => {
    const names = fc.constantFrom("value", "valu", "values", "key", "v\\u0061lue", "valué", "");
    const member = fc.tuple(names, fc.jsonValue({ maxDepth: 2 }), fc.constantFrom("", " ", "\n\t"));
    fc.assert(
      fc.property(fc.array(member, { maxLength: 5 }), (members) => {
        const text = `{${members.map(([name, value, space]) => `${space}"${name}"${space}:${space}${JSON.stringify(value)}${space}`).join(",")}}`;
        const body = bytes(text);
        for (const name of ["value", "key", ""]) {
          expect(memberSpan(body, 0, body.length, name)).toEqual(objectMembers(body, 0, body.length)!.get(name));
        }
      }),
    );
  });

  test("escaped names are the names they stand for; not an object, no span", () => {
    const text = '{"value":1,"v\\u0061lue":[2]}';
    expect(text.slice(...memberSpan(bytes(text), 0, text.length, "value")!)).toBe("[2]");
    expect(memberSpan(bytes('{"valu":1,"values":2}'), 0, 21, "value")).toBeUndefined();
    expect(memberSpan(bytes("[1]"), 0, 3, "value")).toBeUndefined();
  });
});
