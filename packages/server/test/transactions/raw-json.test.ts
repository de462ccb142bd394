/** Finding items' `body` bytes in a transaction: exactly the value JSON.parse sees there, as sent. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { itemBodySpans } from "../../src/features/transactions/raw-json.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bodies(text: string): Map<number, string> {
  const bytes = encoder.encode(text);
  return new Map([...itemBodySpans(bytes)].map(([i, [start, end]]) => [i, decoder.decode(bytes.subarray(start, end))]));
}

describe("item body spans", () => {
  test("each item's body, whatever the values around it and the whitespace", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ path: fc.string(), body: fc.jsonValue(), headers: fc.dictionary(fc.string(), fc.string()) }),
          {
            maxLength: 5,
          },
        ),
        fc.jsonValue(),
        fc.integer({ min: 0, max: 3 }),
        (items, other, indent) => {
          const text = JSON.stringify({ before: other, items, after: { body: other } }, null, indent);
          const found = bodies(text);
          expect(found.size).toBe(items.length);
          // As JSON.stringify wrote it (it writes -0 as 0).
          for (const [i, item] of items.entries()) {
            expect(JSON.parse(found.get(i)!)).toEqual(JSON.parse(JSON.stringify(item.body)));
          }
        },
      ),
    );
  });

  test("the bytes as sent, with the last of duplicate keys, escaped key names and a byte order mark", () => {
    const text =
      '\uFEFF{"items":[{"body":1,"path":"a","body" : 1.50},{"bo\\u0064y":12345678901234567890},{"path":"c"},5]}';
    expect(bodies(text)).toEqual(
      new Map([
        [0, "1.50"],
        [1, "12345678901234567890"],
      ]),
    );
  });

  test("only the last `items` counts, as for JSON.parse", () => {
    expect(bodies('{"items":[{"body":"old"}],"items":[{"path":"x"},{"body":["new"]}]}')).toEqual(
      new Map([[1, '["new"]']]),
    );
  });
});
