/**
 * The idempotent producer's per-item answers (`appendWithReceipt`), pre-encoded JSON items
 * (`JsonText`) and gzip-compressed batches.
 */
import { DurableStream, type StreamRecord } from "@rivulet/client";
import { type AppendReceipt, IdempotentProducer, JsonText } from "@rivulet/client/producer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, isPost, startFaultProxy } from "./support/fault-proxy.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let proxy: FaultProxy;
beforeAll(async () => {
  server = await startTestServer();
  proxy = await startFaultProxy(server.url);
});
afterAll(async () => {
  await proxy.close();
  await server.close();
});

async function records(handle: DurableStream): Promise<StreamRecord[]> {
  const out: StreamRecord[] = [];
  for await (const record of (await new DurableStream({ url: handle.url }).stream({ records: true })).records()) {
    out.push(record);
  }
  return out;
}

describe("appendWithReceipt", () => {
  it("answers each item's seq, its batch's tail and time, across pipelined batches", async () => {
    const handle = await DurableStream.create({ url: server.streamUrl("receipts"), contentType: "application/json" });
    const producer = new IdempotentProducer(handle, "r1", { maxBatchItems: 7 });
    const receipts = await Promise.all(Array.from({ length: 40 }, (_, i) => producer.appendWithReceipt({ i })));
    const stored = await records(handle);
    expect(stored).toHaveLength(40);
    receipts.forEach((receipt, i) => {
      expect(receipt.seq).toBe(stored[i]!.seq);
      expect(receipt.timestamp).toBe(stored[i]!.timestamp);
      expect(receipt.duplicate).toBe(false);
      expect(receipt.batchItems).toBe(i < 35 ? 7 : 5);
      expect(receipt.index).toBe(i % 7);
      // The batch's tail is where its last item ends.
      const last = Math.min(i - (i % 7) + 6, 39);
      expect(receipt.nextOffset).toBe(stored[last]!.nextOffset);
      expect(receipt.bytesFromHere).toBe(
        stored.slice(i, last + 1).reduce((n, r) => n + JSON.stringify(r.value).length, 0),
      );
    });
  });

  it("reports a retried batch whose first answer was lost as a duplicate, written once", async () => {
    const url = server.streamUrl("receipt-dup", proxy.url);
    const handle = await DurableStream.create({ url, contentType: "application/json" });
    let dropped = false;
    proxy.setRule((request) => {
      if (!isPost(request) || dropped) return undefined;
      dropped = true;
      return { kind: "drop-response" };
    });
    const producer = new IdempotentProducer(handle, "r2", { retry: { baseDelayMs: 1 } });
    const receipt: AppendReceipt = await producer.appendWithReceipt("once");
    proxy.setRule(undefined);
    expect(receipt).toMatchObject({ duplicate: true, seq: undefined, timestamp: undefined, index: 0, batchItems: 1 });
    expect((await records(handle)).map((r) => r.value)).toEqual(["once"]);
  });

  it("rejects every waiting item of a batch the server refused", async () => {
    const handle = await DurableStream.create({
      url: server.streamUrl("receipt-fail"),
      contentType: "application/json",
    });
    const producer = new IdempotentProducer(handle, "r3");
    const pending = [producer.appendWithReceipt(1), producer.appendWithReceipt(new JsonText("{not json"))];
    const results = await Promise.allSettled(pending);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: "BAD_REQUEST", status: 400 });
    expect(await records(handle)).toEqual([]);
  });
});

describe("JsonText and compression", () => {
  it("appends pre-encoded JSON as its text, and gzip batches land as sent", async () => {
    const encodings: (string | undefined)[] = [];
    proxy.setRule((request) => {
      if (isPost(request)) encodings.push(request.headers["content-encoding"] as string | undefined);
      return undefined;
    });
    const handle = await DurableStream.create({
      url: server.streamUrl("gzip", proxy.url),
      contentType: "application/json",
    });
    const producer = new IdempotentProducer(handle, "z1", { compression: "gzip", lingerMs: 50 });
    const big = "x".repeat(5_000);
    for (let i = 0; i < 10; i++) producer.append(new JsonText(`{"i":${i},"pad":"${big}"}`));
    const receipt = await producer.appendWithReceipt({ last: true });
    await producer.flush();
    const values = (await records(handle)).map((r) => r.value);
    expect(values).toEqual([...Array.from({ length: 10 }, (_, i) => ({ i, pad: big })), { last: true }]);
    proxy.setRule(undefined);
    expect(receipt.seq).toBe(10);
    expect(encodings.length).toBeGreaterThan(0);
    expect(encodings.every((encoding) => encoding === "gzip")).toBe(true);
  });

  it("refuses a compression it does not know with INVALID_ARGUMENT", async () => {
    const handle = await DurableStream.create({ url: server.streamUrl("gzip-bad"), contentType: "application/json" });
    expect(() => new IdempotentProducer(handle, "z2", { compression: "brotli" as "gzip" })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});
