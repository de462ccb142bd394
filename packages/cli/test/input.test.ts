/** Input handling below the commands: batching over time, JSON and NDJSON parsing, flag values. */
import { describe, expect, test } from "vitest";
import { coalesce } from "../src/input/coalesce.js";
import { jsonMessages } from "../src/input/json-messages.js";
import { collectHeader, parseTtl } from "../src/option-parsers.js";

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

async function* fromChunks(...chunks: string[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield new TextEncoder().encode(chunk);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("coalesce", () => {
  test("fills groups up to the item and byte limits, keeping order", async () => {
    const items = async function* () {
      yield* [1, 2, 3, 4, 5, 6, 7];
    };
    const byCount = await collect(coalesce(items(), () => 1, { maxItems: 3, maxBytes: 100, lingerMs: 1000 }));
    expect(byCount).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    const byBytes = await collect(coalesce(items(), (n) => n, { maxItems: 100, maxBytes: 6, lingerMs: 1000 }));
    expect(byBytes).toEqual([[1, 2, 3], [4], [5], [6], [7]]);
  });

  test("sends a partial group when the input pauses, without losing the item that was pending", async () => {
    const slow = async function* () {
      yield "a";
      yield "b";
      await sleep(80);
      yield "c";
    };
    const groups = await collect(coalesce(slow(), () => 1, { maxItems: 100, maxBytes: 100, lingerMs: 20 }));
    expect(groups).toEqual([["a", "b"], ["c"]]);
  });
});

describe("jsonMessages", () => {
  test("NDJSON split across chunks at any point, CRLF and blank lines included", async () => {
    const messages = await collect(jsonMessages(fromChunks('{"a":', "1}\r\n\n[2", ']\n"x"'), "stdin"));
    expect(messages.map((message) => message.value)).toEqual([{ a: 1 }, [2], "x"]);
  });

  test("a JSON array is its elements; NDJSON of arrays stays one message per line", async () => {
    const array = await collect(jsonMessages(fromChunks(" [1, [2], {}]"), "stdin"));
    expect(array.map((message) => message.value)).toEqual([1, [2], {}]);
    const lines = await collect(jsonMessages(fromChunks("[1]\n[2,3]\n"), "stdin"));
    expect(lines.map((message) => message.value)).toEqual([[1], [2, 3]]);
  });

  test("a bad line names its line number", async () => {
    await expect(collect(jsonMessages(fromChunks("1\n2\n{bad\n"), "the file"))).rejects.toThrow(/the file, line 3/);
  });
});

describe("flag values", () => {
  test("TTLs in seconds with optional units", () => {
    expect([parseTtl("90"), parseTtl("90s"), parseTtl("15m"), parseTtl("2h"), parseTtl("7d")]).toEqual([
      90, 90, 900, 7200, 604_800,
    ]);
    expect(() => parseTtl("0")).toThrow();
    expect(() => parseTtl("1.5h")).toThrow();
  });

  test("headers are Name: value, the value keeping its own colons", () => {
    expect(collectHeader("X-A: 1", undefined)).toEqual([["X-A", "1"]]);
    expect(collectHeader("Authorization: Bearer a:b", [["X-A", "1"]])).toEqual([
      ["X-A", "1"],
      ["Authorization", "Bearer a:b"],
    ]);
    expect(() => collectHeader("no colon", undefined)).toThrow();
    expect(() => collectHeader("bad name: x", undefined)).toThrow();
  });
});
