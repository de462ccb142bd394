/** The ordered path index behind store listings: what a page holds after adds, removals and re-adds. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { PathIndex } from "../../src/store/path-index.js";

function indexOf(live: Set<string>): PathIndex {
  return new PathIndex((path) => live.has(path));
}

describe("PathIndex", () => {
  test("pages by prefix and after, in order, skipping removed paths", () => {
    const live = new Set<string>();
    const index = indexOf(live);
    for (const path of ["/s/b", "/s/a", "/t/x", "/s/c", "/s/d"]) {
      live.add(path);
      index.add(path);
    }
    expect(index.page("/s/", undefined, 10)).toEqual(["/s/a", "/s/b", "/s/c", "/s/d"]);
    expect(index.page("/s/", "/s/b", 2)).toEqual(["/s/c", "/s/d"]);
    expect(index.page("/s/", "/a", 1)).toEqual(["/s/a"]);
    live.delete("/s/b");
    index.removed();
    expect(index.page("/s/", undefined, 10)).toEqual(["/s/a", "/s/c", "/s/d"]);
    live.add("/s/b");
    index.add("/s/b");
    expect(index.page("/", undefined, 10)).toEqual(["/s/a", "/s/b", "/s/c", "/s/d", "/t/x"]);
  });

  test("many paths added at once are merged in order, past the few-at-a-time path", () => {
    const live = new Set<string>();
    const index = indexOf(live);
    const add = (path: string) => {
      live.add(path);
      index.add(path);
    };
    const first = Array.from({ length: 3000 }, (_, i) => `/p/${String((i * 7919) % 3000).padStart(4, "0")}`);
    for (const path of first) add(path);
    expect(index.page("/p/", undefined, 5)).toEqual(["/p/0000", "/p/0001", "/p/0002", "/p/0003", "/p/0004"]);
    const more = Array.from({ length: 2000 }, (_, i) => `/p/${String(i).padStart(4, "0")}x`);
    for (const path of more) add(path);
    const all = index.page("/p/", undefined, 10_000);
    expect(all).toEqual([...live].sort());
  });

  test("any sequence of adds, removals and listings pages like a sorted copy of the live paths", () => {
    const op = fc.oneof(
      fc.record({ add: fc.constantFrom("a", "ab", "b", "ba", "bb", "c", "ca") }),
      fc.record({ remove: fc.constantFrom("a", "ab", "b", "ba", "bb", "c", "ca") }),
      fc.record({ prefix: fc.constantFrom("", "a", "b", "c"), after: fc.option(fc.constantFrom("a", "b", "bb")) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const live = new Set<string>();
        const index = indexOf(live);
        for (const step of ops) {
          if ("add" in step) {
            if (live.has(step.add)) continue;
            live.add(step.add);
            index.add(step.add);
          } else if ("remove" in step) {
            if (!live.delete(step.remove)) continue;
            index.removed();
          } else {
            const after = step.after ?? undefined;
            const expected = [...live]
              .filter((path) => path.startsWith(step.prefix) && (after === undefined || path > after))
              .sort()
              .slice(0, 3);
            expect(index.page(step.prefix, after, 3)).toEqual(expected);
          }
        }
      }),
    );
  });
});
