/**
 * Live "auto": SSE while it works, long-poll for good once SSE is buffered, unsupported or
 * keeps dropping — and delivery never stops silently. Faults come from the test proxy.
 */
import { type ClientEvent, DurableStream, type LiveMode, type StreamResponse } from "@rivulet/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Fault, type FaultProxy, firstN, isSse, startFaultProxy } from "./support/fault-proxy.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let proxy: FaultProxy;
beforeAll(async () => {
  server = await startTestServer({ longPollTimeoutMs: 200, sseLifetimeMs: 300 });
  proxy = await startFaultProxy(server.url);
});
afterEach(() => proxy.setRule(undefined));
afterAll(async () => {
  await proxy.close();
  await server.close();
});

const autoFallback = { firstEventTimeoutMs: 200, minConnectionMs: 150, maxShortConnections: 3 };

async function setup(name: string, live: LiveMode) {
  const direct = await DurableStream.create({ url: server.streamUrl(name), contentType: "application/json" });
  await direct.appendJson(0);
  const events: ClientEvent[] = [];
  const via = new DurableStream({
    url: `${proxy.url}${new URL(direct.url).pathname}`,
    retry: { initialDelayMs: 5, maxDelayMs: 20 },
    onEvent: (event) => events.push(event),
  });
  const response = await via.stream<number>({ live, autoFallback });
  return { direct, events, response };
}

/** Appends 1..count with a pause between, while `response` is read; returns what was read. */
async function deliver(direct: DurableStream, response: StreamResponse<number>, count: number, gapMs: number) {
  const writer = (async () => {
    for (let i = 1; i <= count; i++) {
      await new Promise((resolve) => setTimeout(resolve, gapMs));
      await direct.appendJson(i);
    }
  })();
  const seen: number[] = [];
  for await (const batch of response) {
    seen.push(...batch.items);
    if (seen.at(-1) === count) break;
  }
  await writer;
  response.cancel();
  return seen;
}

function sequence(count: number): number[] {
  return Array.from({ length: count + 1 }, (_, i) => i);
}

const fallbacks = (events: ClientEvent[]) =>
  events.filter((e): e is Extract<ClientEvent, { type: "fallback" }> => e.type === "fallback");

describe("auto live mode", () => {
  it("falls back to long-poll when a proxy buffers SSE, and keeps delivering", async () => {
    proxy.setRule((request) => (isSse(request) ? ({ kind: "buffer" } satisfies Fault) : undefined));
    const { direct, events, response } = await setup("buffered", "auto");
    expect(await deliver(direct, response, 5, 60)).toEqual(sequence(5));
    expect(fallbacks(events).map((e) => e.reason)).toEqual(["buffered"]);
    expect(response.mode).toBe("long-poll");
    expect(proxy.requests.some((r) => r.url.searchParams.get("live") === "long-poll")).toBe(true);
  });

  it("falls back when SSE connections keep dropping, without losing or repeating data", async () => {
    proxy.setRule((request) => (isSse(request) ? ({ kind: "cut-after", ms: 30 } satisfies Fault) : undefined));
    const { direct, events, response } = await setup("dropping", "auto");
    expect(await deliver(direct, response, 6, 50)).toEqual(sequence(6));
    expect(fallbacks(events).map((e) => e.reason)).toEqual(["dropping"]);
    expect(response.mode).toBe("long-poll");
  });

  it("falls back when SSE is refused", async () => {
    proxy.setRule((request) => (isSse(request) ? ({ kind: "status", status: 400 } satisfies Fault) : undefined));
    const { direct, events, response } = await setup("refused", "auto");
    expect(await deliver(direct, response, 3, 30)).toEqual(sequence(3));
    expect(fallbacks(events).map((e) => e.reason)).toEqual(["unsupported"]);
  });

  it("shows the failure that caused the fallback to onError, which may stop the session", async () => {
    proxy.setRule((request) => (isSse(request) ? ({ kind: "status", status: 400 } satisfies Fault) : undefined));
    const direct = await DurableStream.create({
      url: server.streamUrl("refused-stop"),
      contentType: "application/json",
    });
    const via = new DurableStream({ url: `${proxy.url}${new URL(direct.url).pathname}` });
    const seen: string[] = [];
    const response = await via.stream({
      live: "auto",
      autoFallback,
      onError: (error) => {
        seen.push(error.code);
        return "stop";
      },
    });
    await expect(
      (async () => {
        for await (const _ of response) {
          // reading until the SSE attempt fails
        }
      })(),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", status: 400 });
    expect(seen).toEqual(["BAD_REQUEST"]);
  });

  it("stays on SSE across the server's regular reconnects", async () => {
    const { direct, events, response } = await setup("healthy", "auto");
    // 10 appends 80 ms apart span several 300 ms SSE lifetimes.
    expect(await deliver(direct, response, 10, 80)).toEqual(sequence(10));
    expect(fallbacks(events)).toEqual([]);
    expect(response.mode).toBe("sse");
    expect(proxy.requests.filter(isSse).length).toBeGreaterThan(1);
  });

  it("after falling back, keeps retrying long-poll failures instead of ending", async () => {
    proxy.setRule((request) => {
      if (isSse(request)) return { kind: "status", status: 400 };
      return undefined;
    });
    const { direct, response } = await setup("persist", "auto");
    let failures = 0;
    proxy.setRule((request) => {
      if (isSse(request)) return { kind: "status", status: 400 };
      if (request.url.searchParams.get("live") === "long-poll" && failures < 4) {
        failures++;
        return { kind: "reset" };
      }
      return undefined;
    });
    expect(await deliver(direct, response, 3, 40)).toEqual(sequence(3));
    expect(failures).toBe(4);
  });
});

describe("explicit sse mode", () => {
  it("reconnects after drops without falling back, losing nothing", async () => {
    proxy.setRule(firstN(3, isSse, { kind: "cut-after", ms: 40 }));
    const { direct, events, response } = await setup("sse-drops", "sse");
    expect(await deliver(direct, response, 6, 40)).toEqual(sequence(6));
    expect(fallbacks(events)).toEqual([]);
    expect(response.mode).toBe("sse");
  });
});
