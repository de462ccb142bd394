import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { type ClientEvent, DIAGNOSTICS_CHANNELS, DurableStream, diagnosticsAvailable } from "@rivulet/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe("observability", () => {
  it("reports requests, batches and producer activity to the onEvent hook", async () => {
    const events: ClientEvent[] = [];
    const handle = await DurableStream.create({
      url: server.streamUrl("events"),
      contentType: "application/json",
      onEvent: (event) => events.push(event),
    });
    const producer = handle.producer("p");
    producer.append(1);
    await producer.flush();
    await (await handle.stream()).json();
    await handle.head();
    await handle.delete();
    await handle.head().catch(() => {});

    const types = events.map((e) => e.type);
    expect(types).toContain("producer:batch-sent");
    expect(types).toContain("batch:received");
    const starts = events.filter((e) => e.type === "request:start");
    const ends = events.filter((e) => e.type === "request:end");
    const errors = events.filter((e) => e.type === "request:error");
    expect(starts.length).toBe(ends.length + errors.length);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ method: "HEAD", error: { code: "NOT_FOUND" } });
    const batch = events.find((e) => e.type === "batch:received");
    expect(batch).toMatchObject({ mode: "catch-up", upToDate: true, bytes: 3 });
  });

  it("a throwing hook does not break the client", async () => {
    const handle = await DurableStream.create({
      url: server.streamUrl("throwing-hook"),
      contentType: "text/plain",
      onEvent: () => {
        throw new Error("hook bug");
      },
    });
    await handle.append("still works");
    expect(await (await handle.stream()).text()).toBe("still works");
  });

  it("publishes every event on Node diagnostics channels", async () => {
    expect(diagnosticsAvailable()).toBe(true);
    const received: { channel: string; message: unknown }[] = [];
    const listeners = Object.values(DIAGNOSTICS_CHANNELS).map((name) => {
      const listener = (message: unknown) => received.push({ channel: name, message });
      subscribe(name, listener);
      return () => unsubscribe(name, listener);
    });
    try {
      const handle = await DurableStream.create({
        url: server.streamUrl("diagnostics"),
        contentType: "application/json",
      });
      const producer = handle.producer("p");
      producer.append("x");
      await producer.flush();
      await (await handle.stream()).json();
    } finally {
      for (const remove of listeners) remove();
    }
    const channels = new Set(received.map((r) => r.channel));
    expect(channels).toContain("rivulet:client:request:start");
    expect(channels).toContain("rivulet:client:request:end");
    expect(channels).toContain("rivulet:client:producer:batch-sent");
    expect(channels).toContain("rivulet:client:batch:received");
    for (const { channel, message } of received) {
      expect(DIAGNOSTICS_CHANNELS[(message as ClientEvent).type]).toBe(channel);
    }
  });
});
