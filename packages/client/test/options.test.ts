/**
 * Options are checked where they are given: a value that cannot work is INVALID_ARGUMENT
 * naming the option, before any request. Also: a handle call's timeoutMs bounds its retries,
 * and a consumer's clean stop reports no error.
 */
import {
  type ClientEvent,
  DurableStream,
  type FetchLike,
  InvalidArgumentError,
  type StreamError,
  stream,
} from "@rivulet/client";
import { Consumer } from "@rivulet/client/consumer";
import { IdempotentProducer } from "@rivulet/client/producer";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { eventually, startTestServer, type TestServer } from "./support/server.js";

const URL_ = "http://127.0.0.1:1/v1/stream/options";

/** A fetch that must not be reached: bad options fail before any request. */
function untouchableFetch(): FetchLike & { calls: number } {
  const fetch = (async () => {
    fetch.calls++;
    throw new Error("no request expected");
  }) as unknown as FetchLike & { calls: number };
  fetch.calls = 0;
  return fetch;
}

function invalid(option: string) {
  return expect.objectContaining({
    name: "InvalidArgumentError",
    code: "INVALID_ARGUMENT",
    option,
    isRetryable: false,
    message: expect.stringContaining(option),
  });
}

const handle = (options: Record<string, unknown> = {}) =>
  new DurableStream({ url: URL_, contentType: "application/json", fetch: untouchableFetch(), ...options });

describe("retry settings are checked at construction", () => {
  const bad: [string, Record<string, number>][] = [
    ["retry.maxRetries", { maxRetries: -1 }],
    ["retry.maxRetries", { maxRetries: 1.5 }],
    ["retry.initialDelayMs", { initialDelayMs: 0 }],
    ["retry.initialDelayMs", { initialDelayMs: -10 }],
    ["retry.initialDelayMs", { initialDelayMs: Number.NaN }],
    ["retry.maxDelayMs", { initialDelayMs: 500, maxDelayMs: 100 }],
    // Against the default initial delay (100 ms), too.
    ["retry.maxDelayMs", { maxDelayMs: 50 }],
    ["retry.maxDelayMs", { maxDelayMs: 2 ** 31 }],
    ["retry.multiplier", { multiplier: 0.5 }],
    ["retry.multiplier", { multiplier: Number.POSITIVE_INFINITY }],
    ["retry.jitter", { jitter: 1.5 }],
    ["retry.jitter", { jitter: -0.1 }],
  ];

  it.each(bad)("%s: %o", (option, retry) => {
    expect(() => handle({ retry })).toThrow(invalid(option));
  });

  it("valid settings, Infinity retries included, are accepted", () => {
    expect(() => handle({ retry: { maxRetries: Number.POSITIVE_INFINITY, multiplier: 1, jitter: 0 } })).not.toThrow();
    expect(() => handle({ retry: { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 } })).not.toThrow();
  });

  it("in every place that takes them: read sessions, producers, consumers", async () => {
    const fetch = untouchableFetch();
    await expect(stream({ url: URL_, fetch, retry: { maxRetries: -1 } })).rejects.toThrow(invalid("retry.maxRetries"));
    await expect(handle().stream({ retry: { multiplier: 0 } })).rejects.toThrow(invalid("retry.multiplier"));
    expect(() => new IdempotentProducer(handle(), "p", { retry: { initialDelayMs: 0 } })).toThrow(
      invalid("retry.initialDelayMs"),
    );
    expect(() => new Consumer({ stream: handle(), handler: () => {}, reconnect: { maxRetries: -2 } })).toThrow(
      invalid("reconnect.maxRetries"),
    );
    expect(
      () => new Consumer({ stream: handle(), handler: () => {}, read: { retry: { initialDelayMs: -1 } } }),
    ).toThrow(invalid("read.retry.initialDelayMs"));
    expect(fetch.calls).toBe(0);
  });
});

describe("producer settings are checked at construction", () => {
  const bad: [string, Record<string, number>][] = [
    ["epoch", { epoch: -1 }],
    ["epoch", { epoch: 1.5 }],
    ["epoch", { epoch: 2 ** 53 }],
    ["maxBatchBytes", { maxBatchBytes: 0 }],
    ["maxBatchBytes", { maxBatchBytes: -1 }],
    ["maxBatchBytes", { maxBatchBytes: Number.POSITIVE_INFINITY }],
    ["maxBatchItems", { maxBatchItems: 0 }],
    ["maxBatchItems", { maxBatchItems: 2.5 }],
    ["lingerMs", { lingerMs: -1 }],
    ["lingerMs", { lingerMs: Number.NaN }],
    ["maxInFlight", { maxInFlight: 0 }],
  ];

  it.each(bad)("%s: %o", (option, options) => {
    expect(() => new IdempotentProducer(handle(), "p", options)).toThrow(invalid(option));
  });

  it("an empty producer id is refused; lingerMs 0 and Infinity are fine", () => {
    expect(() => new IdempotentProducer(handle(), "")).toThrow(invalid("producerId"));
    expect(() => new IdempotentProducer(handle(), "p", { lingerMs: 0, epoch: 0 })).not.toThrow();
    expect(() => new IdempotentProducer(handle(), "p", { lingerMs: Number.POSITIVE_INFINITY })).not.toThrow();
  });
});

describe("every other numeric option is checked", () => {
  it("handle and read-only timeouts", async () => {
    for (const timeoutMs of [0, -5, Number.NaN, 2 ** 31]) {
      expect(() => handle({ timeoutMs })).toThrow(invalid("timeoutMs"));
    }
    expect(() => handle({ timeoutMs: Number.POSITIVE_INFINITY })).not.toThrow();
    await expect(stream({ url: URL_, fetch: untouchableFetch(), timeoutMs: -1 })).rejects.toThrow(invalid("timeoutMs"));
  });

  it("read options, when the read opens", async () => {
    const h = handle();
    await expect(h.stream({ timeoutMs: 0 })).rejects.toThrow(invalid("timeoutMs"));
    await expect(h.stream({ longPollTimeoutMs: -1 })).rejects.toThrow(invalid("longPollTimeoutMs"));
    await expect(h.stream({ autoFallback: { firstEventTimeoutMs: 0 } })).rejects.toThrow(
      invalid("autoFallback.firstEventTimeoutMs"),
    );
    await expect(h.stream({ autoFallback: { minConnectionMs: -1 } })).rejects.toThrow(
      invalid("autoFallback.minConnectionMs"),
    );
    await expect(h.stream({ autoFallback: { maxShortConnections: 0 } })).rejects.toThrow(
      invalid("autoFallback.maxShortConnections"),
    );
    await expect(h.stream({ live: "polling" as never })).rejects.toThrow(invalid("live"));
  });

  it("a read refused for its options leaves no listener on the caller's signal", async () => {
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, "addEventListener");
    const removed = vi.spyOn(controller.signal, "removeEventListener");
    await expect(handle().stream({ timeoutMs: -1, signal: controller.signal })).rejects.toThrow(invalid("timeoutMs"));
    expect(removed).toHaveBeenCalledTimes(added.mock.calls.length);
  });

  it("consumer options, at construction", () => {
    expect(() => new Consumer({ stream: handle(), handler: () => {}, live: "sometimes" as never })).toThrow(
      invalid("live"),
    );
    expect(() => new Consumer({ stream: handle(), handler: () => {}, read: { longPollTimeoutMs: 0 } })).toThrow(
      invalid("read.longPollTimeoutMs"),
    );
    expect(() => new Consumer({ stream: handle(), handler: undefined as never })).toThrow(invalid("handler"));
    expect(() => new Consumer({ stream: { url: "nope" }, handler: () => {} })).toThrow(invalid("url"));
  });

  it("operation options, when the operation is called", async () => {
    const h = handle();
    await expect(h.head({ timeoutMs: -1 })).rejects.toThrow(invalid("timeoutMs"));
    await expect(h.create({ ttlSeconds: -1 })).rejects.toThrow(invalid("ttlSeconds"));
    await expect(h.create({ ttlSeconds: 1.5 })).rejects.toThrow(invalid("ttlSeconds"));
    await expect(h.create({ expiresAt: new Date("not a date") })).rejects.toThrow(invalid("expiresAt"));
    await expect(h.fork("copy", { subOffset: -1 })).rejects.toThrow(invalid("subOffset"));
    await expect(h.fork("ftp://elsewhere/copy")).rejects.toThrow(invalid("target"));
  });
});

describe("stream URLs", () => {
  it("an unparsable URL is INVALID_ARGUMENT at once, never a retried network error", async () => {
    const fetch = untouchableFetch();
    for (const url of ["not a url", "", "//no-scheme/x", "ftp://host/v1/stream/x"]) {
      expect(() => new DurableStream({ url, fetch })).toThrow(invalid("url"));
      await expect(stream({ url, fetch })).rejects.toThrow(invalid("url"));
    }
    await expect(DurableStream.create({ url: "http://", fetch })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(fetch.calls).toBe(0);
  });

  it("a relative URL resolves against the page's location where there is one", () => {
    vi.stubGlobal("location", { href: "https://app.example/chat/index.html" });
    try {
      expect(handle({ url: "/v1/stream/room" }).url).toBe("https://app.example/v1/stream/room");
    } finally {
      vi.unstubAllGlobals();
    }
    expect(() => handle({ url: "/v1/stream/room" })).toThrow(invalid("url"));
    expect(handle({ url: new URL("http://127.0.0.1:9/v1/stream/a") }).url).toBe("http://127.0.0.1:9/v1/stream/a");
  });
});

describe("timeoutMs bounds a whole call, retries included", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A fetch answering each attempt in turn: a status, or "hang" (until aborted). */
  function scriptedFetch(script: (number | "hang")[]): FetchLike & { calls: number } {
    const fetch = ((_url: string, init: RequestInit) => {
      const step = script[Math.min(fetch.calls++, script.length - 1)]!;
      if (step !== "hang") return Promise.resolve(new Response(null, { status: step }));
      return new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true });
      });
    }) as FetchLike & { calls: number };
    fetch.calls = 0;
    return fetch;
  }

  const settled = (promise: Promise<unknown>) => {
    const state: { error?: StreamError; done: boolean } = { done: false };
    promise.then(
      () => {
        state.done = true;
      },
      (error: StreamError) => {
        state.done = true;
        state.error = error;
      },
    );
    return state;
  };

  it("endless retries of a 503 stop at the limit with TIMEOUT, without waiting for a retry that cannot finish", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch([503]);
    const h = new DurableStream({
      url: URL_,
      fetch,
      timeoutMs: 1_000,
      retry: { maxRetries: Number.POSITIVE_INFINITY, initialDelayMs: 100, multiplier: 2, jitter: 0 },
    });
    const head = settled(h.head());
    // Attempts at 0, 100, 300 and 700 ms; the next would start at 1500 ms, past the limit.
    await vi.advanceTimersByTimeAsync(700);
    expect(head.done).toBe(true);
    expect(fetch.calls).toBe(4);
    expect(head.error).toMatchObject({ code: "TIMEOUT", cause: { code: "SERVER_ERROR", status: 503 } });
    expect(head.error?.message).toContain("1000 ms");
  });

  it("a retry gets only the time left, not a fresh limit", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch([503, "hang"]);
    const h = new DurableStream({ url: URL_, fetch, retry: { initialDelayMs: 50, jitter: 0 } });
    const head = settled(h.head({ timeoutMs: 300 }));
    await vi.advanceTimersByTimeAsync(299);
    expect(head.done).toBe(false);
    // The second attempt started at 50 ms; with a fresh limit it would run until 350 ms.
    await vi.advanceTimersByTimeAsync(1);
    expect(head.done).toBe(true);
    expect(fetch.calls).toBe(2);
    expect(head.error).toMatchObject({ code: "TIMEOUT" });
  });
});

describe("a consumer's clean stop()", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ longPollTimeoutMs: 5_000 });
  });
  afterAll(() => server.close());

  it.each(["long-poll", "sse"] as const)("emits no error event (%s)", async (live) => {
    const events: ClientEvent[] = [];
    const h = await DurableStream.create({
      url: server.streamUrl(`stop-${live}`),
      contentType: "application/json",
      onEvent: (event) => events.push(event),
    });
    await h.appendJson("one");
    const seen: unknown[] = [];
    const consumer = new Consumer({ stream: h, live, handler: (batch) => void seen.push(...batch.items) });
    await consumer.start();
    await eventually(() => seen.length === 1);
    // Wait until the live request is open, so stop() has one to call off.
    const liveRequests = () => events.filter((e) => e.type === "request:start" && e.method === "GET").length;
    await eventually(() => liveRequests() >= 2);
    await consumer.stop();
    expect(await consumer.done).toEqual({ reason: "stopped" });
    expect(events.filter((e) => e.type === "request:error" || e.type === "reconnect")).toEqual([]);
    expect(events.filter((e) => e.type === "request:aborted")).toHaveLength(1);
  });
});
