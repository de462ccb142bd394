import { subscribe, unsubscribe } from "node:diagnostics_channel";
import {
  type ClientEvent,
  DIAGNOSTICS_CHANNELS,
  DurableStream,
  diagnosticsAvailable,
  type EventLogger,
  type LogLevel,
  logEvents,
} from "@rivulet/client";
import { IdempotentProducer } from "@rivulet/client/producer";
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
    const producer = new IdempotentProducer(handle, "p");
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
      const producer = new IdempotentProducer(handle, "p");
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

  it("stamps every event with the time it happened, and counts the items of a JSON batch", async () => {
    const events: ClientEvent[] = [];
    const before = Date.now();
    const json = await DurableStream.create({
      url: server.streamUrl("stamped"),
      contentType: "application/json",
      onEvent: (event) => events.push(event),
    });
    await json.appendJsonBatch([1, 2, 3]);
    await (await json.stream()).json();
    const text = await DurableStream.create({
      url: server.streamUrl("stamped-text"),
      contentType: "text/plain",
      onEvent: (event) => events.push(event),
    });
    await text.append("abc");
    await (await text.stream()).text();
    const after = Date.now();
    expect(events.length).toBeGreaterThan(8);
    for (const event of events) {
      expect(event.timestamp).toBeGreaterThanOrEqual(before);
      expect(event.timestamp).toBeLessThanOrEqual(after);
    }
    const received = events.filter((e) => e.type === "batch:received");
    expect(received.map((e) => e.type === "batch:received" && [e.items, e.bytes > 0])).toEqual([
      [3, true],
      [undefined, true],
    ]);
  });
});

describe("logEvents", () => {
  function recorder(): {
    logger: EventLogger;
    lines: { level: LogLevel; message: string; fields: Record<string, unknown> }[];
  } {
    const lines: { level: LogLevel; message: string; fields: Record<string, unknown> }[] = [];
    const at = (level: LogLevel) => (message: string, fields: Record<string, unknown>) =>
      void lines.push({ level, message, fields });
    return { lines, logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } };
  }

  it("turns events into leveled one-line messages with flat fields, and never logs headers", async () => {
    const { logger, lines } = recorder();
    const secret = "Bearer secret-token-123";
    const handle = await DurableStream.create({
      url: server.streamUrl("logged"),
      contentType: "application/json",
      headers: { authorization: secret },
      onEvent: logEvents(logger),
    });
    await handle.appendJson({ a: 1 });
    const missing = new DurableStream({ url: `${handle.url}-missing`, onEvent: logEvents(logger) });
    await missing.head().catch(() => {});
    // Default level "info": request ends and failures, no starts or batches.
    expect(lines.map((l) => l.level)).toEqual(["info", "info", "warn"]);
    expect(lines[0]?.message).toMatch(
      /^PUT http:\/\/127\.0\.0\.1:\d+\/v1\/stream\/logged-\S+ -> 201 \(\d+(\.\d+)? ms\)$/,
    );
    expect(lines[2]?.message).toMatch(/^HEAD \S+-missing -> NOT_FOUND \(/);
    expect(lines[2]?.fields).toMatchObject({
      event: "request:error",
      method: "HEAD",
      errorCode: "NOT_FOUND",
      timestamp: expect.any(Number),
    });
    expect(lines[2]?.fields.error).toBeUndefined();
    expect(JSON.stringify(lines)).not.toContain("secret-token");
  });

  it("logs from the level asked for", async () => {
    const { logger, lines } = recorder();
    const handle = await DurableStream.create({
      url: server.streamUrl("logged-debug"),
      contentType: "application/json",
      onEvent: logEvents(logger, { level: "debug" }),
    });
    await handle.appendJsonBatch([1, 2]);
    await (await handle.stream()).json();
    const events = lines.map((l) => l.fields.event);
    expect(events).toEqual([
      "request:start",
      "request:end",
      "request:start",
      "request:end",
      "request:start",
      "request:end",
      "batch:received",
    ]);
    expect(lines[0]?.message).toMatch(/\(attempt 1\)$/);
    expect(lines.at(-1)?.message).toMatch(/^received 2 items up to \S+ \(catch-up\)$/);
    const quiet = recorder();
    handle.contentType = "application/json";
    const errorsOnly = new DurableStream({ url: handle.url, onEvent: logEvents(quiet.logger, { level: "error" }) });
    await errorsOnly.head();
    expect(quiet.lines).toEqual([]);
  });
});
