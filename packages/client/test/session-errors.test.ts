/** Failure handling of read sessions and handle calls, with faults injected by a proxy. */
import { type ClientEvent, DurableStream, type StreamError } from "@rivulet/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, firstN, isLongPoll, isPost, startFaultProxy } from "./support/fault-proxy.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let proxy: FaultProxy;
beforeAll(async () => {
  server = await startTestServer({ longPollTimeoutMs: 200 });
  proxy = await startFaultProxy(server.url);
});
afterEach(() => proxy.setRule(undefined));
afterAll(async () => {
  await proxy.close();
  await server.close();
});

const fast = { initialDelayMs: 5, maxDelayMs: 20 };

/** A JSON stream created directly, and a handle to it through the proxy. */
async function proxied(name: string, items: unknown[] = []) {
  const direct = await DurableStream.create({ url: server.streamUrl(name), contentType: "application/json" });
  if (items.length > 0) await direct.appendJsonBatch(items);
  const path = new URL(direct.url).pathname;
  const via = new DurableStream({ url: `${proxy.url}${path}`, contentType: "application/json", retry: fast });
  return { direct, via, path };
}

describe("onError", () => {
  it("is consulted for every failed request and can retry with new headers", async () => {
    const { direct, via } = await proxied("auth", [1]);
    let token = "expired";
    proxy.setRule((request) =>
      request.headers.authorization === "Bearer fresh" ? undefined : { kind: "status", status: 401 },
    );
    const consulted: { code: string; attempt: number }[] = [];
    const response = await via.stream<number>({
      live: "long-poll",
      headers: { authorization: () => `Bearer ${token}` },
      onError: (error, { attempt }) => {
        consulted.push({ code: error.code, attempt });
        if (attempt === 3) token = "fresh";
        return "retry";
      },
      retry: { ...fast, maxRetries: 10 },
    });
    setTimeout(() => void direct.appendJson(2), 100);
    const seen: number[] = [];
    for await (const batch of response) {
      seen.push(...batch.items);
      if (seen.length >= 2) break;
    }
    expect(seen).toEqual([1, 2]);
    // Three 401s (the third answered by refreshing the token the dynamic header reads).
    expect(consulted).toEqual([
      { code: "UNAUTHORIZED", attempt: 1 },
      { code: "UNAUTHORIZED", attempt: 2 },
      { code: "UNAUTHORIZED", attempt: 3 },
    ]);
  });

  it("can answer with headers and params that later requests of the session carry", async () => {
    const { via } = await proxied("override", [1]);
    proxy.setRule((request) =>
      request.url.searchParams.get("sig") === "ok" && request.headers["x-key"] === "k"
        ? undefined
        : { kind: "status", status: 403 },
    );
    const response = await via.stream({ onError: () => ({ headers: { "x-key": "k" }, params: { sig: "ok" } }) });
    expect(await response.json()).toEqual([1]);
  });

  it("is consulted for failures in the middle of a live session, not only the first request", async () => {
    const { direct, via } = await proxied("midway", []);
    const calls: string[] = [];
    const response = await via.stream<number>({
      live: "long-poll",
      onError: (error) => {
        calls.push(error.code);
      },
    });
    // Fail the next two long-polls with 503, after the session is running.
    proxy.setRule(firstN(2, isLongPoll, { kind: "status", status: 503 }));
    setTimeout(() => void direct.appendJson(7), 150);
    for await (const batch of response) if (batch.items.length > 0) break;
    expect(calls).toEqual(["SERVER_ERROR", "SERVER_ERROR"]);
  });

  it("can stop the session, which then fails with the error", async () => {
    const { via } = await proxied("stop", [1]);
    proxy.setRule(() => ({ kind: "status", status: 503 }));
    await expect(via.stream({ onError: () => "stop" })).rejects.toMatchObject({ code: "SERVER_ERROR", status: 503 });
    expect(proxy.requests.filter((r) => r.method === "GET").length).toBeGreaterThan(0);
  });
});

describe("retries", () => {
  it("retry retryable errors with backoff, and stop after maxRetries", async () => {
    const { via, path } = await proxied("exhaust", [1]);
    const before = proxy.requests.length;
    proxy.setRule(() => ({ kind: "status", status: 503 }));
    const events: ClientEvent[] = [];
    const spied = new DurableStream({
      url: via.url,
      retry: { ...fast, maxRetries: 2 },
      onEvent: (e) => events.push(e),
    });
    await expect(spied.stream()).rejects.toMatchObject({ code: "SERVER_ERROR" });
    const attempts = proxy.requests.slice(before).filter((r) => r.url.pathname === path);
    expect(attempts).toHaveLength(3);
    expect(events.filter((e) => e.type === "reconnect").map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2]);
  });

  it("do not retry errors that are not retryable", async () => {
    const { via, path } = await proxied("no-retry", [1]);
    const before = proxy.requests.length;
    proxy.setRule(() => ({ kind: "status", status: 400 }));
    await expect(via.stream()).rejects.toMatchObject({ code: "BAD_REQUEST", isRetryable: false });
    expect(proxy.requests.slice(before).filter((r) => r.url.pathname === path)).toHaveLength(1);
  });

  it("honour Retry-After", async () => {
    const { via } = await proxied("retry-after", [1]);
    proxy.setRule(firstN(1, () => true, { kind: "status", status: 429, headers: { "retry-after": "1" } }));
    const started = Date.now();
    expect(await (await via.stream()).json()).toEqual([1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("time out slow requests with TIMEOUT", async () => {
    const { path } = await proxied("timeout", [1]);
    proxy.setRule(() => ({ kind: "delay", ms: 400 }));
    const slow = new DurableStream({ url: `${proxy.url}${path}`, timeoutMs: 100, retry: { maxRetries: 0 } });
    const error = await slow.head().catch((e: StreamError) => e);
    expect(error).toMatchObject({ code: "TIMEOUT", isRetryable: true });
  });

  it("abort handle calls with ABORTED through the caller's signal", async () => {
    const { via } = await proxied("abort");
    proxy.setRule(() => ({ kind: "delay", ms: 400 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(via.head({ signal: controller.signal })).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("repeat idempotent calls (create) after 5xx", async () => {
    const name = `${proxy.url}/v1/stream/create-retry-${Date.now()}`;
    proxy.setRule(firstN(2, (r) => r.method === "PUT", { kind: "status", status: 503 }));
    const handle = await DurableStream.create({ url: name, contentType: "text/plain", retry: fast });
    expect(handle.contentType).toBe("text/plain");
  });

  it("never repeat a plain append whose response was lost, but repeat one the server refused", async () => {
    const { direct, via } = await proxied("plain-append");
    proxy.setRule(firstN(1, isPost, { kind: "drop-response" }));
    await expect(via.appendJson("lost")).rejects.toMatchObject({ code: "NETWORK" });
    proxy.setRule(firstN(1, isPost, { kind: "status", status: 429 }));
    await via.appendJson("refused-then-sent");
    // The lost-response append did land once; nothing was written twice.
    expect(await (await direct.stream()).json()).toEqual(["lost", "refused-then-sent"]);
  });
});
