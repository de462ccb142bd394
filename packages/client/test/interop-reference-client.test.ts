/**
 * Interop: the reference client (`@durable-streams/client`) against Rivulet's server, for
 * create/append/read in each live mode, closure, and its idempotent producer.
 */
import {
  IdempotentProducer as ReferenceProducer,
  DurableStream as ReferenceStream,
  stream as referenceRead,
} from "@durable-streams/client";
import { DurableStream } from "@rivulet/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ longPollTimeoutMs: 300 });
});
afterAll(() => server.close());

describe("the reference client against Rivulet's server", () => {
  it("creates, appends and reads back JSON", async () => {
    const url = server.streamUrl("ref-basic");
    const handle = await ReferenceStream.create({ url, contentType: "application/json" });
    await handle.append(JSON.stringify({ n: 1 }));
    await handle.append(JSON.stringify({ n: 2 }));
    const response = await referenceRead({ url, live: false });
    expect(await response.json()).toEqual([{ n: 1 }, { n: 2 }]);
    // What it wrote, this client reads the same way.
    expect(await (await new DurableStream({ url }).stream()).json()).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it.each(["long-poll", "sse"] as const)("follows live with %s until the stream is closed", async (live) => {
    const url = server.streamUrl(`ref-${live}`);
    const writer = await DurableStream.create({ url, contentType: "application/json" });
    await writer.appendJson(0);
    const response = await referenceRead<number>({ url, live });
    const items: number[] = [];
    const finished = new Promise<void>((resolve) => {
      response.subscribeJson((batch) => {
        items.push(...batch.items);
        if (response.streamClosed) resolve();
      });
    });
    for (let i = 1; i <= 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 40));
      await writer.appendJson(i);
    }
    await writer.close();
    await finished;
    expect(items).toEqual([0, 1, 2, 3]);
    response.cancel();
  });

  it("reads text and binary streams", async () => {
    const textUrl = server.streamUrl("ref-text");
    const text = await DurableStream.create({ url: textUrl, contentType: "text/plain" });
    await text.append("héllo");
    expect(await (await referenceRead({ url: textUrl, live: false })).text()).toBe("héllo");

    const binUrl = server.streamUrl("ref-bin");
    const bin = await DurableStream.create({ url: binUrl, contentType: "application/octet-stream" });
    await bin.append(new Uint8Array([0, 1, 255]));
    expect([...(await (await referenceRead({ url: binUrl, live: false })).body())]).toEqual([0, 1, 255]);
  });

  it("closes streams and sees closure", async () => {
    const url = server.streamUrl("ref-close");
    const handle = await ReferenceStream.create({ url, contentType: "text/plain" });
    await handle.append("a");
    await handle.close();
    const head = await ReferenceStream.head({ url });
    expect(head).toMatchObject({ exists: true, streamClosed: true });
    await expect(handle.append("b")).rejects.toBeDefined();
    expect((await new DurableStream({ url }).head()).closed).toBe(true);
  });

  it("its idempotent producer delivers exactly once", async () => {
    const url = server.streamUrl("ref-producer");
    const handle = await ReferenceStream.create({ url, contentType: "application/json" });
    const producer = new ReferenceProducer(handle, "ref-p", { lingerMs: 1, maxInFlight: 2 });
    for (let i = 0; i < 10; i++) producer.append(JSON.stringify({ i }));
    await producer.flush();
    await producer.close();
    expect(await (await new DurableStream({ url }).stream()).json()).toEqual(
      Array.from({ length: 10 }, (_, i) => ({ i })),
    );
  });
});
