import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelay, parseRetryAfter, retryDelay, retryPolicy, sleep } from "../src/retry.js";

describe("backoff", () => {
  const policy = retryPolicy({ initialDelayMs: 100, maxDelayMs: 2_000, multiplier: 2, jitter: 0.5 });

  it("grows exponentially to the cap, without jitter at random = 0", () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n, () => 0))).toEqual([
      100, 200, 400, 800, 1600, 2000, 2000,
    ]);
  });

  it("jitter only shortens the delay, by at most its fraction", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.double({ min: 0, max: 0.9999, noNaN: true }), (attempt, r) => {
        const full = backoffDelay(policy, attempt, () => 0);
        const jittered = backoffDelay(policy, attempt, () => r);
        return jittered <= full && jittered >= full * 0.5;
      }),
    );
  });

  it("never retries sooner than Retry-After", () => {
    expect(retryDelay(policy, 0, 5_000, () => 0)).toBe(5_000);
    expect(retryDelay(policy, 4, 10, () => 0)).toBe(1_600);
  });

  it("parses Retry-After seconds and dates, ignoring garbage", () => {
    expect(parseRetryAfter("2", 0)).toBe(2_000);
    expect(parseRetryAfter(new Date(90_000).toUTCString(), 30_000)).toBe(60_000);
    expect(parseRetryAfter(new Date(0).toUTCString(), 30_000)).toBe(0);
    expect(parseRetryAfter("-1", 0)).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it("merges layers, later ones winning, undefined ignored", () => {
    const merged = retryPolicy({ maxRetries: 3, initialDelayMs: 10 }, { maxRetries: 5 }, undefined);
    expect(merged).toMatchObject({ maxRetries: 5, initialDelayMs: 10, multiplier: 2 });
  });

  it("sleep rejects as soon as its signal aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = sleep(5_000, controller.signal);
    setTimeout(() => controller.abort(new Error("stop")), 10);
    await expect(sleeping).rejects.toThrow("stop");
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
