import { CACHEABLE_PRIVATE, CACHEABLE_PUBLIC, etagMatches, NO_STORE, readEtag } from "@rivulet/protocol";
import fc from "fast-check";
import { describe, expect, test } from "vitest";

describe("Cache-Control values (PROTOCOL §10.1, §5.5)", () => {
  test("are the spec's recommended values", () => {
    expect(CACHEABLE_PUBLIC).toBe("public, max-age=60, stale-while-revalidate=300");
    expect(CACHEABLE_PRIVATE).toBe("private, max-age=60, stale-while-revalidate=300");
    expect(NO_STORE).toBe("no-store");
  });
});

describe("readEtag", () => {
  const inside = { upToDate: false, closed: false };
  const atTail = { upToDate: true, closed: false };
  const atEnd = { upToDate: true, closed: true };

  test("is a quoted id:start:end tag", () => {
    expect(readEtag("s1", "a", "b", inside)).toBe('"s1:a:b"');
  });

  test("changes when the stream closes, so a 304 never hides EOF", () => {
    expect(readEtag("s1", "a", "b", atEnd)).toBe('"s1:a:b:c"');
    expect(readEtag("s1", "a", "b", atEnd)).not.toBe(readEtag("s1", "a", "b", atTail));
  });

  test("changes when the chunk stops being the tail, so a 304 never keeps a stale up-to-date", () => {
    expect(readEtag("s1", "a", "b", atTail)).toBe('"s1:a:b:t"');
    expect(readEtag("s1", "a", "b", atTail)).not.toBe(readEtag("s1", "a", "b", inside));
  });
});

const tagText = fc.stringMatching(/^[a-z0-9:_]{1,12}$/);
const etag = tagText.map((t) => `"${t}"`);
const spacing = fc.constantFrom("", " ", "  ");
const weak = fc.boolean();

describe("etagMatches (RFC 9110 If-None-Match)", () => {
  test("* matches anything", () => {
    expect(etagMatches("*", '"x"')).toBe(true);
    expect(etagMatches(" * ", '"x"')).toBe(true);
  });

  test("weak comparison ignores W/ on either side", () => {
    expect(etagMatches('W/"x"', '"x"')).toBe(true);
    expect(etagMatches('"x"', 'W/"x"')).toBe(true);
    expect(etagMatches('"x"', '"y"')).toBe(false);
    expect(etagMatches("x", '"x"')).toBe(false);
  });

  test("property: a list matches exactly when it contains the tag (weak or strong, any spacing)", () => {
    fc.assert(
      fc.property(
        etag,
        fc.array(fc.tuple(etag, weak, spacing), { maxLength: 5 }),
        fc.option(fc.tuple(fc.nat(), weak, spacing), { nil: undefined }),
        (target, others, insert) => {
          const items = others.filter(([t]) => t !== target).map(([t, w, s]) => `${s}${w ? "W/" : ""}${t}${s}`);
          if (insert) {
            const [at, w, s] = insert;
            items.splice(at % (items.length + 1), 0, `${s}${w ? "W/" : ""}${target}${s}`);
          }
          if (items.length === 0) return;
          expect(etagMatches(items.join(","), target)).toBe(insert !== undefined);
        },
      ),
    );
  });
});
