/** Webhook retry delays (PROTOCOL §7.1): 1 s doubling to 60 s, with 20% jitter. */
import fc from "fast-check";
import { expect, test } from "vitest";
import { retryDelayMs } from "../../src/features/subscriptions/backoff.js";

test("without jitter (random 0.5) the delays double from the base to the maximum", () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 8, 50].map((attempt) => retryDelayMs(attempt, 1000, 60_000, 0.5));
  expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
});

test("jitter keeps every delay within 20% of its nominal value", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 100 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (attempt, random) => {
        const nominal = Math.min(60_000, 1000 * 2 ** Math.min(attempt - 1, 30));
        const delay = retryDelayMs(attempt, 1000, 60_000, random);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.ceil(nominal * 1.2));
      },
    ),
  );
});

test("the extremes of the jitter are 0.8 and 1.2 times the delay", () => {
  expect(retryDelayMs(1, 1000, 60_000, 0)).toBe(800);
  expect(retryDelayMs(1, 1000, 60_000, 0.999_999)).toBe(1200);
});
