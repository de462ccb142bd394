import { CURSOR_EPOCH_MS, CURSOR_INTERVAL_MS, currentInterval, nextCursor } from "@rivulet/protocol";
import fc from "fast-check";
import { describe, expect, test } from "vitest";

const MAX_JITTER_INTERVALS = Math.ceil((3600 * 1000) / CURSOR_INTERVAL_MS);
const now = fc.integer({ min: CURSOR_EPOCH_MS, max: CURSOR_EPOCH_MS + 100 * 365 * 24 * 3600 * 1000 });
const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe("currentInterval (PROTOCOL §10.1)", () => {
  test("counts 20 s intervals since 2024-10-09T00:00:00Z", () => {
    expect(CURSOR_EPOCH_MS).toBe(Date.parse("2024-10-09T00:00:00Z"));
    expect(currentInterval(CURSOR_EPOCH_MS)).toBe(0);
    expect(currentInterval(CURSOR_EPOCH_MS + CURSOR_INTERVAL_MS - 1)).toBe(0);
    expect(currentInterval(CURSOR_EPOCH_MS + CURSOR_INTERVAL_MS)).toBe(1);
  });
});

describe("nextCursor", () => {
  test("without a client cursor (or with an older one) it is the current interval", () => {
    const t = CURSOR_EPOCH_MS + 1000 * CURSOR_INTERVAL_MS + 5;
    expect(nextCursor(t, undefined)).toBe("1000");
    expect(nextCursor(t, "999")).toBe("1000");
    expect(nextCursor(t, "not-a-number")).toBe("1000");
  });

  test("a caught-up client cursor gets 1–3600 s of jitter on top", () => {
    const t = CURSOR_EPOCH_MS + 1000 * CURSOR_INTERVAL_MS;
    expect(nextCursor(t, "1000", () => 0)).toBe("1001");
    expect(nextCursor(t, "1000", () => 0.999_999)).toBe(String(1000 + MAX_JITTER_INTERVALS));
  });

  test("property: the cursor is strictly greater than the client's and never behind the clock", () => {
    fc.assert(
      fc.property(now, fc.integer({ min: 0, max: 10_000_000 }), random, (t, client, r) => {
        const next = Number(nextCursor(t, String(client), () => r));
        expect(next).toBeGreaterThan(client);
        expect(next).toBeGreaterThanOrEqual(currentInterval(t));
        expect(next).toBeLessThanOrEqual(Math.max(client, currentInterval(t)) + MAX_JITTER_INTERVALS);
      }),
    );
  });

  test("property: a client echoing every cursor it gets sees a strictly increasing sequence", () => {
    fc.assert(
      fc.property(now, fc.array(fc.tuple(fc.nat({ max: 120_000 }), random), { maxLength: 40 }), (start, steps) => {
        let t = start;
        let cursor = nextCursor(t, undefined);
        for (const [advance, r] of steps) {
          t += advance;
          const next = nextCursor(t, cursor, () => r);
          expect(Number(next)).toBeGreaterThan(Number(cursor));
          cursor = next;
        }
      }),
    );
  });
});
