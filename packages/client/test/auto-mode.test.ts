/**
 * Live "auto": SSE while it works, long-poll for good once SSE is buffered, unsupported or
 * keeps dropping — and delivery never stops silently. Faults come from the test proxy.
 */
import {
  type AutoFallbackOptions,
  type ClientEvent,
  DurableStream,
  type LiveMode,
  type StreamResponse,
} from "@rivulet/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Fault, type FaultProxy, firstN, isSse, startFaultProxy } from "./support/fault-proxy.js";
import { eventually, startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let proxy: FaultProxy;
beforeAll(async () => {
  server = await startTestServer({ longPollTimeoutMs: 200, sseLifetimeMs: SSE_LIFETIME_MS });
  proxy = await startFaultProxy(server.url);
});
afterEach(() => proxy.setRule(undefined));
afterAll(async () => {
  await proxy.close();
  await server.close();
});

/**
 * The auto mode judges SSE by the clock, and client, proxy and server here share one event
 * loop: on a busy machine it can stall for a good part of a second. So each test sets the
 * limits far from what its faults produce: a stall alone never looks like buffering (no
 * event for 10 s), and the server's regular reconnects (every 500 ms) never look like drops
 * (shorter than 100 ms). Tests about buffering or drops lower just the one limit they need.
 */
const SSE_LIFETIME_MS = 500;
const patient: AutoFallbackOptions = { firstEventTimeoutMs: 10_000, minConnectionMs: 100, maxShortConnections: 3 };

async function setup(name: string, live: LiveMode, autoFallback: AutoFallbackOptions = patient) {
  const direct = await DurableStream.create({ url: server.streamUrl(name), contentType: "application/json" });
  await direct.appendJson(0);
  const events: ClientEvent[] = [];
  const path = new URL(direct.url).pathname;
  const via = new DurableStream({
    url: `${proxy.url}${path}`,
    retry: { initialDelayMs: 5, maxDelayMs: 20 },
    onEvent: (event) => events.push(event),
  });
  const response = await via.stream<number>({ live, autoFallback });
  const sseRequests = () => proxy.requests.filter((r) => isSse(r) && r.url.pathname === path).length;
  return { direct, events, response, sseRequests };
}

/** Reads `response` until `last` arrives; `arrived(n)` resolves once item n has been read. */
function readUntil(response: StreamResponse<number>, last: number) {
  const seen: number[] = [];
  const waiting = new Map<number, () => void>();
  const done = (async () => {
    for await (const batch of response) {
      for (const item of batch.items) {
        seen.push(item);
        waiting.get(item)?.();
      }
      if (seen.at(-1) === last) return;
    }
  })();
  const ended = done.then(() => {
    throw new Error(`the stream ended before all of 0..${last} arrived: ${seen}`);
  });
  const arrived = (n: number) =>
    seen.includes(n) ? Promise.resolve() : Promise.race([new Promise<void>((r) => waiting.set(n, r)), ended]);
  return { seen, done, arrived };
}

/**
 * Appends 1..count while `response` is read, each once the reader has the one before, so
 * they arrive over whatever connections the faults make; `before(n)` runs before n is
 * appended. Returns everything read, in order.
 */
async function deliver(
  direct: DurableStream,
  response: StreamResponse<number>,
  count: number,
  before: (next: number) => Promise<void> = async () => {},
) {
  const reading = readUntil(response, count);
  for (let i = 1; i <= count; i++) {
    await before(i);
    await direct.appendJson(i);
    await reading.arrived(i);
  }
  await reading.done;
  response.cancel();
  return reading.seen;
}

function sequence(count: number): number[] {
  return Array.from({ length: count + 1 }, (_, i) => i);
}

const fallbacks = (events: ClientEvent[]) =>
  events.filter((e): e is Extract<ClientEvent, { type: "fallback" }> => e.type === "fallback");

describe("auto live mode", () => {
  it("falls back to long-poll when a proxy buffers SSE, and keeps delivering", async () => {
    proxy.setRule((request) => (isSse(request) ? ({ kind: "buffer" } satisfies Fault) : undefined));
    // The buffered body only comes out when the server ends the session, long after 200 ms.
    const { direct, events, response } = await setup("buffered", "auto", { ...patient, firstEventTimeoutMs: 200 });
    expect(await deliver(direct, response, 5)).toEqual(sequence(5));
    expect(fallbacks(events).map((e) => e.reason)).toEqual(["buffered"]);
    expect(response.mode).toBe("long-poll");
    expect(proxy.requests.some((r) => r.url.searchParams.get("live") === "long-poll")).toBe(true);
  });

  it("falls back when SSE connections keep dropping, without losing or repeating data", async () => {
    proxy.setRule((request) => (isSse(request) ? ({ kind: "cut-after", ms: 30 } satisfies Fault) : undefined));
    // Cut after 30 ms, each connection is far shorter than 5 s however slow the machine is.
    const { direct, events, response } = await setup("dropping", "auto", { ...patient, minConnectionMs: 5_000 });
    // 1..3 while SSE keeps dropping, 4..6 once the session has given up on it.
    const afterFallback = async (next: number) => {
      if (next === 4) await eventually(() => fallbacks(events).length > 0, 10_000);
    };
    expect(await deliver(direct, response, 6, afterFallback)).toEqual(sequence(6));
    expect(fallbacks(events).map((e) => e.reason)).toEqual(["dropping"]);
    expect(response.mode).toBe("long-poll");
  });

  it("falls back when SSE is refused", async () => {
    proxy.setRule((request) => (isSse(request) ? ({ kind: "status", status: 400 } satisfies Fault) : undefined));
    const { direct, events, response } = await setup("refused", "auto");
    expect(await deliver(direct, response, 3)).toEqual(sequence(3));
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
      autoFallback: patient,
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
    const { direct, events, response, sseRequests } = await setup("healthy", "auto");
    // Item n is appended once the client is on its (n + 1)th SSE connection: after n of the
    // server's regular session ends.
    const afterReconnect = (next: number) => eventually(() => sseRequests() > next, 10_000);
    expect(await deliver(direct, response, 3, afterReconnect)).toEqual(sequence(3));
    expect(fallbacks(events)).toEqual([]);
    expect(response.mode).toBe("sse");
    expect(sseRequests()).toBeGreaterThanOrEqual(4);
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
    expect(await deliver(direct, response, 3)).toEqual(sequence(3));
    expect(failures).toBe(4);
  });
});

describe("explicit sse mode", () => {
  it("reconnects after drops without falling back, losing nothing", async () => {
    proxy.setRule(firstN(3, isSse, { kind: "cut-after", ms: 40 }));
    const { direct, events, response } = await setup("sse-drops", "sse");
    expect(await deliver(direct, response, 6)).toEqual(sequence(6));
    expect(fallbacks(events)).toEqual([]);
    expect(response.mode).toBe("sse");
  });
});
