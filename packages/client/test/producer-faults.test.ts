/**
 * Exactly-once delivery under faults: lost responses, 5xx, connection resets and delays on
 * the producer's requests, first as examples, then as random fault schedules (fast-check).
 */
import { type ClientEvent, DurableStream } from "@rivulet/client";
import { IdempotentProducer } from "@rivulet/client/producer";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Fault, type FaultProxy, isPost, startFaultProxy } from "./support/fault-proxy.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let proxy: FaultProxy;
beforeAll(async () => {
  // A short reorder wait makes out-of-order arrivals answer 409 quickly, exercising gap handling.
  server = await startTestServer({ producerReorderWaitMs: 20 });
  proxy = await startFaultProxy(server.url);
});
afterEach(() => proxy.setRule(undefined));
afterAll(async () => {
  await proxy.close();
  await server.close();
});

const fastRetry = { initialDelayMs: 2, maxDelayMs: 20, maxRetries: 30 };

async function setup(name: string) {
  const direct = await DurableStream.create({ url: server.streamUrl(name), contentType: "application/json" });
  const events: ClientEvent[] = [];
  const via = new DurableStream({
    url: `${proxy.url}${new URL(direct.url).pathname}`,
    contentType: "application/json",
    onEvent: (event) => events.push(event),
  });
  return { direct, via, events };
}

async function contents(handle: DurableStream): Promise<unknown[]> {
  return (await handle.stream()).json();
}

/** Applies `faults` in turn to the producer's POSTs; later POSTs pass. */
function schedule(faults: (Fault | undefined)[]) {
  let index = 0;
  proxy.setRule((request) => (isPost(request) ? faults[index++] : undefined));
}

describe("producer under faults", () => {
  it("delivers exactly once when responses are lost (the retries are duplicates)", async () => {
    const { direct, via, events } = await setup("lost");
    schedule([undefined, { kind: "drop-response" }, { kind: "drop-response" }, undefined, { kind: "drop-response" }]);
    const producer = new IdempotentProducer(via, "p", { maxBatchItems: 2, maxInFlight: 2, retry: fastRetry });
    const items = Array.from({ length: 12 }, (_, i) => i);
    for (const item of items) producer.append(item);
    const result = await producer.flush();
    expect(await contents(direct)).toEqual(items);
    expect(result.duplicates).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === "producer:duplicate").length).toBe(result.duplicates);
  });

  it("delivers exactly once through 5xx answers and connection resets", async () => {
    const { direct, via } = await setup("5xx");
    schedule([
      { kind: "status", status: 503 },
      undefined,
      { kind: "reset" },
      { kind: "status", status: 500 },
      { kind: "reset" },
    ]);
    const producer = new IdempotentProducer(via, "p", { maxBatchItems: 1, maxInFlight: 3, retry: fastRetry });
    const items = ["a", "b", "c", "d", "e", "f"];
    for (const item of items) producer.append(item);
    await producer.flush();
    expect(await contents(direct)).toEqual(items);
  });

  it("flush rejects when retries run out, and the failure stays until restart()", async () => {
    const { direct, via } = await setup("exhausted");
    proxy.setRule((request) => (isPost(request) ? { kind: "status", status: 503 } : undefined));
    const producer = new IdempotentProducer(via, "p", { retry: { initialDelayMs: 1, maxDelayMs: 2, maxRetries: 2 } });
    producer.append("x");
    await expect(producer.flush()).rejects.toMatchObject({ code: "SERVER_ERROR", status: 503 });
    expect(() => producer.append("y")).toThrow(expect.objectContaining({ code: "SERVER_ERROR" }));
    proxy.setRule(undefined);
    await producer.restart();
    producer.append("z");
    await producer.flush();
    expect(await contents(direct)).toEqual(["z"]);
  });

  it("property: any schedule of faults delivers every item exactly once, in order", async () => {
    const faultArb = fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constant<Fault>({ kind: "drop-response" }) },
      { weight: 1, arbitrary: fc.constant<Fault>({ kind: "reset" }) },
      { weight: 1, arbitrary: fc.constant<Fault>({ kind: "status", status: 503 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 30 }).map<Fault>((ms) => ({ kind: "delay", ms })) },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(faultArb, { maxLength: 12 }),
        async (count, maxBatchItems, maxInFlight, faults) => {
          const { direct, via } = await setup(`prop-${run++}`);
          schedule(faults);
          const producer = new IdempotentProducer(via, "p", {
            maxBatchItems,
            maxInFlight,
            lingerMs: 1,
            retry: fastRetry,
          });
          const items = Array.from({ length: count }, (_, i) => ({ i }));
          for (const item of items) producer.append(item);
          await producer.flush();
          proxy.setRule(undefined);
          expect(await contents(direct)).toEqual(items);
        },
      ),
      { numRuns: 25 },
    );
  });
});
