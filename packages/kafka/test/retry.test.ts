import { describe, expect, it } from "vitest";
import { KafkaError, QuotaExceededError, TopicNotFoundError, withRetry } from "../src/index.js";

describe("withRetry", () => {
  it("retries retriable failures with growing, jittered waits, and returns the first success", async () => {
    const delays: number[] = [];
    let calls = 0;
    const value = await withRetry(
      async (attempt) => {
        calls++;
        if (attempt < 4) throw new KafkaError("UNAVAILABLE", "busy", { isRetriable: true });
        return "ok";
      },
      { maxAttempts: 5, baseDelayMs: 4, onRetry: (_error, _attempt, delayMs) => delays.push(delayMs) },
    );
    expect(value).toBe("ok");
    expect(calls).toBe(4);
    // Full jitter: each wait is somewhere in [0, base · 2^(attempt-1)).
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(4 * 2 ** i);
    });
  });

  it("throws a failure that is not retriable at once, and the last one after maxAttempts", async () => {
    let calls = 0;
    const notFound = new TopicNotFoundError("TOPIC_NOT_FOUND", "no topic");
    await expect(
      withRetry(() => {
        calls++;
        throw notFound;
      }),
    ).rejects.toBe(notFound);
    expect(calls).toBe(1);

    calls = 0;
    const busy = new QuotaExceededError("RATE_LIMITED", "slow down", { isRetriable: true });
    await expect(
      withRetry(
        () => {
          calls++;
          throw busy;
        },
        { maxAttempts: 3, baseDelayMs: 1 },
      ),
    ).rejects.toBe(busy);
    expect(calls).toBe(3);

    // Plain errors are not retried unless the caller says so.
    calls = 0;
    await expect(
      withRetry(
        () => {
          calls++;
          throw new Error("flaky");
        },
        { maxAttempts: 3, baseDelayMs: 1, isRetriable: () => true },
      ),
    ).rejects.toThrow("flaky");
    expect(calls).toBe(3);
  });

  it("waits at least the server's Retry-After", async () => {
    const delays: number[] = [];
    let calls = 0;
    await withRetry(
      () => {
        if (calls++ === 0) throw new KafkaError("UNAVAILABLE", "busy", { isRetriable: true, retryAfterMs: 30 });
        return 1;
      },
      { baseDelayMs: 1, onRetry: (_e, _a, delayMs) => delays.push(delayMs) },
    );
    expect(delays).toEqual([30]);
  });

  it("stops when its signal is aborted, and refuses bad options with INVALID_ARGUMENT", async () => {
    const controller = new AbortController();
    const attempt = withRetry(
      () => {
        throw new KafkaError("UNAVAILABLE", "busy", { isRetriable: true, retryAfterMs: 60_000 });
      },
      { signal: controller.signal },
    );
    controller.abort(new Error("shutting down"));
    await expect(attempt).rejects.toThrow("shutting down");
    await expect(withRetry(() => 1, { maxAttempts: 0 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(withRetry(() => 1, { baseDelayMs: -1 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
