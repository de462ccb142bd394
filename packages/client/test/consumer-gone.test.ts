/**
 * 410 Gone recovery in the consumer, with the 410 injected by a fault proxy in front of a
 * real server: `Stream-Earliest-Offset` naming where retained data begins, and an error code in
 * the body, at exactly the read a test chooses. consumer-retention.test.ts runs the consumer
 * against a server whose retention really trims while it reads.
 */
import { type ClientEvent, DurableStream, GoneError, logEvents } from "@rivulet/client";
import { Consumer, MemoryOffsetStore } from "@rivulet/client/consumer";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, type FaultRule, startFaultProxy } from "./support/fault-proxy.js";
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

/** A stream of three appends, a, b and c, with the offset after each. */
async function threeAppends(name: string) {
  const direct = await DurableStream.create({ url: server.streamUrl(name), contentType: "application/json" });
  const offsets: string[] = [];
  for (const item of ["a", "b", "c"]) offsets.push((await direct.appendJson(item)).offset);
  return { direct, offsets, proxied: `${proxy.url}${new URL(direct.url).pathname}` };
}

/** Answers reads from `before` with 410, naming `earliest` when given, as retention would. */
function goneBefore(before: string, earliest: string | undefined): FaultRule {
  return (request) => {
    if (request.method !== "GET" || request.url.searchParams.get("offset") !== before) return undefined;
    const headers: Record<string, string> = earliest === undefined ? {} : { "stream-earliest-offset": earliest };
    const body = JSON.stringify({
      error: { code: "OFFSET_GONE", message: "Offset is before the earliest retained data" },
    });
    return { kind: "status", status: 410, headers, body };
  };
}

describe("410 Gone recovery — injected by the fault proxy", () => {
  it('onGone: "earliest" reads on from the earliest retained offset and reports what was skipped', async () => {
    const { direct, offsets, proxied } = await threeAppends("earliest");
    proxy.setRule(goneBefore("-1", offsets[0]));
    const events: ClientEvent[] = [];
    const warnings: string[] = [];
    const warn = (message: string) => void warnings.push(message);
    const log = logEvents({ debug: warn, info: warn, warn, error: warn }, { level: "warn" });
    const store = new MemoryOffsetStore();
    const seen: unknown[] = [];
    const consumer = new Consumer({
      stream: {
        url: proxied,
        onEvent: (e) => {
          events.push(e);
          log(e);
        },
      },
      offsetStore: store,
      live: false,
      onGone: "earliest",
      handler: (batch) => void seen.push(...batch.items),
    });
    await consumer.start();
    expect(await consumer.done).toEqual({ reason: "caught-up" });
    expect(seen).toEqual(["b", "c"]);
    const skipped = events.filter((e) => e.type === "consumer:skipped");
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ from: "-1", to: offsets[0], key: consumer.checkpointKey });
    expect((skipped[0] as { error: unknown }).error).toBeInstanceOf(GoneError);
    expect(store.load(consumer.checkpointKey)).toBe((await direct.head()).offset);
    expect(warnings).toContain(`consumer ${consumer.checkpointKey} skipped from -1 to ${offsets[0]} after GONE`);
  });

  it('by default (onGone: "fail") the run ends with the GoneError, carrying the earliest offset', async () => {
    const { offsets, proxied } = await threeAppends("fail");
    proxy.setRule(goneBefore("-1", offsets[1]));
    const store = new MemoryOffsetStore();
    const consumer = new Consumer({ stream: { url: proxied }, offsetStore: store, handler: () => {} });
    await consumer.start();
    const error = await consumer.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoneError);
    expect(error).toMatchObject({ code: "GONE", status: 410, serverCode: "OFFSET_GONE", earliestOffset: offsets[1] });
    expect(store.load(consumer.checkpointKey)).toBeUndefined();
  });

  it("a 410 that names no earliest offset (a deleted stream) fails even with onGone: earliest", async () => {
    const { proxied } = await threeAppends("no-earliest");
    proxy.setRule(goneBefore("-1", undefined));
    const consumer = new Consumer({ stream: { url: proxied }, onGone: "earliest", handler: () => {} });
    await consumer.start();
    const error = await consumer.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoneError);
    expect((error as GoneError).earliestOffset).toBeUndefined();
  });

  it("onError can answer { resumeFrom } with an offset of its choosing", async () => {
    const { offsets, proxied } = await threeAppends("resume-from");
    proxy.setRule(goneBefore(offsets[0]!, offsets[0]));
    const events: ClientEvent[] = [];
    const seen: unknown[] = [];
    const store = new MemoryOffsetStore();
    // Resuming from a checkpoint that is no longer retained.
    store.save(proxied, offsets[0]!);
    const consumer = new Consumer({
      stream: { url: proxied, onEvent: (e) => events.push(e) },
      offsetStore: store,
      live: false,
      onError: (error, { phase }) =>
        phase === "read" && error instanceof GoneError ? { resumeFrom: offsets[1]! } : undefined,
      handler: (batch) => void seen.push(...batch.items),
    });
    await consumer.start();
    expect(await consumer.done).toEqual({ reason: "caught-up" });
    expect(seen).toEqual(["c"]);
    expect(events.find((e) => e.type === "consumer:skipped")).toMatchObject({ from: offsets[0], to: offsets[1] });
  });

  it("with nothing after the gap, the skipped-to offset is checkpointed", async () => {
    const { direct, proxied } = await threeAppends("skip-to-tail");
    const tail = (await direct.head()).offset;
    proxy.setRule(goneBefore("-1", tail));
    const store = new MemoryOffsetStore();
    const consumer = new Consumer({
      stream: { url: proxied },
      offsetStore: store,
      live: false,
      onGone: "earliest",
      handler: () => {},
    });
    await consumer.start();
    expect(await consumer.done).toEqual({ reason: "caught-up" });
    expect(store.load(proxied)).toBe(tail);
  });
});
