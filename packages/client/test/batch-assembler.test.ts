/**
 * The producer's batch assembler: items kept as text and encoded a batch at a time must give
 * exactly the bytes and sizes that encoding each item alone gives.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatchAssembler } from "../src/producer/batch-assembler.js";
import { utf8Length } from "../src/producer/utf8-length.js";

const encoder = new TextEncoder();

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A batch body as sent: text goes out as its UTF-8 bytes. */
function sent(body: string | Uint8Array): Uint8Array {
  return typeof body === "string" ? encoder.encode(body) : body;
}

/** Strings of any UTF-16 code units, lone surrogates included. */
const anyText = fc.array(fc.integer({ min: 0, max: 0xffff })).map((units) => String.fromCharCode(...units));

describe("utf8Length", () => {
  it("counts what TextEncoder writes, lone surrogates as U+FFFD", () => {
    fc.assert(fc.property(anyText, (text) => utf8Length(text) === encoder.encode(text).length));
    expect(utf8Length("a\ud83d\ude00é\ud800")).toBe(1 + 4 + 2 + 3);
  });
});

describe("BatchAssembler", () => {
  it("a byte stream's batch is the items' bytes in order, whatever mix of text and bytes", () => {
    const item = fc.oneof(anyText, fc.uint8Array({ maxLength: 8 }));
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 20 }), (items) => {
        const assembler = new BatchAssembler("http://x/s", false, 1 << 20, 1000);
        for (const raw of items) {
          const encoded = assembler.encode(raw);
          assembler.add(encoded, assembler.sizeOf(encoded));
        }
        const expected = concat(items.map((i) => (typeof i === "string" ? encoder.encode(i) : i)));
        const batch = assembler.take()!;
        expect(sent(batch.body)).toEqual(expected);
        expect(batch.payloadBytes).toBe(expected.length);
        expect(batch.bodyBytes).toBe(expected.length);
        expect(batch.items).toBe(items.length);
      }),
    );
  });

  it("keeps a lone trailing and leading surrogate of neighbouring items apart", () => {
    const assembler = new BatchAssembler("http://x/s", false, 1 << 20, 1000);
    for (const text of ["a\ud83d", "\ude00b"]) {
      const encoded = assembler.encode(text);
      assembler.add(encoded, assembler.sizeOf(encoded));
    }
    expect(sent(assembler.take()!.body)).toEqual(encoder.encode("a\ufffd\ufffdb"));
  });

  it("a JSON batch is one array of the items' JSON text", () => {
    const assembler = new BatchAssembler("http://x/s", true, 1 << 20, 1000);
    for (const value of [{ a: "é" }, [1, 2], "lone \ud800"]) {
      const encoded = assembler.encode(value);
      assembler.add(encoded, assembler.sizeOf(encoded));
    }
    const batch = assembler.take()!;
    const bytes = sent(batch.body);
    expect(JSON.parse(new TextDecoder().decode(bytes))).toEqual([{ a: "é" }, [1, 2], "lone \ud800"]);
    expect(batch.bodyBytes).toBe(bytes.length);
    expect(batch.payloadBytes).toBe(bytes.length - 2 - 2);
  });

  it("refuses an item that can never fit a batch, before it is queued", () => {
    const assembler = new BatchAssembler("http://x/s", true, 10, 1000);
    expect(() => assembler.sizeOf(assembler.encode("123456789"))).toThrow(/exceeds maxBatchBytes/);
    expect(assembler.itemCount).toBe(0);
  });
});
