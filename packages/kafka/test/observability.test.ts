/**
 * What the SDK reports: events to the `onEvent` hook and the `rivulet:kafka:*` diagnostics
 * channels, and OpenTelemetry spans through @opentelemetry/api's global tracer provider (an
 * in-memory provider here) or an explicit tracer.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { type Span, type SpanOptions, type Tracer, type TracerProvider, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KAFKA_CHANNELS, type KafkaEvent } from "../src/index.js";
import { startTestServer, type TestServer, uniqueName } from "./support/server.js";

interface Recorded {
  name: string;
  attributes: Record<string, unknown>;
  status?: { code: number; message?: string };
  exceptions: Error[];
  ended: boolean;
}

/** A tracer provider that keeps every span in memory. */
class MemoryTracerProvider implements TracerProvider {
  readonly spans: Recorded[] = [];
  getTracer(): Tracer {
    const spans = this.spans;
    const startSpan = (name: string, options?: SpanOptions): Span => {
      const recorded: Recorded = { name, attributes: { ...options?.attributes }, exceptions: [], ended: false };
      spans.push(recorded);
      const span = {
        setAttribute: (key: string, value: unknown) => {
          recorded.attributes[key] = value;
          return span;
        },
        setStatus: (status: { code: number; message?: string }) => {
          recorded.status = status;
          return span;
        },
        recordException: (error: Error) => {
          recorded.exceptions.push(error);
        },
        end: () => {
          recorded.ended = true;
        },
      };
      return span as unknown as Span;
    };
    return { startSpan, startActiveSpan: () => undefined } as unknown as Tracer;
  }
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  trace.disable();
  await server.close();
});

describe("events and diagnostics channels", () => {
  it("reports sends and transactions to the hook and on rivulet:kafka:* channels", async () => {
    const hooked: KafkaEvent[] = [];
    const published: unknown[] = [];
    const listener = (message: unknown) => published.push(message);
    subscribe(KAFKA_CHANNELS.send, listener);
    subscribe(KAFKA_CHANNELS.transaction, listener);
    try {
      const kafka = server.kafka({ onEvent: (event) => hooked.push(event) });
      const topic = uniqueName("obs");
      await kafka.admin().createTopic(topic, { partitions: 2 });
      await kafka.producer(topic).send({ a: 1 }, { key: "k" });
      await kafka.transaction(topic, (tx) => tx.send({ b: 2 }));
      await expect(kafka.transaction(topic, () => Promise.reject(new Error("no")))).rejects.toThrow("no");
      await expect(kafka.producer(topic).send(1, { partition: 9 })).rejects.toMatchObject({
        code: "PARTITION_NOT_FOUND",
      });
      expect(hooked.map((e) => e.type)).toEqual(["send", "transaction", "transaction"]);
      expect(hooked[0]).toMatchObject({
        type: "send",
        topic,
        records: 1,
        duplicate: false,
        timestamp: expect.any(Number),
      });
      expect(hooked[1]).toMatchObject({ type: "transaction", outcome: "committed", records: 1 });
      expect(hooked[2]).toMatchObject({ type: "transaction", outcome: "aborted", records: 0 });
      expect(published).toEqual(hooked);
    } finally {
      unsubscribe(KAFKA_CHANNELS.send, listener);
      unsubscribe(KAFKA_CHANNELS.transaction, listener);
    }
    expect(KAFKA_CHANNELS).toMatchObject({
      send: "rivulet:kafka:send",
      commit: "rivulet:kafka:commit",
      lag: "rivulet:kafka:lag",
    });
  });

  it("a hook that throws changes nothing", async () => {
    const kafka = server.kafka({
      onEvent: () => {
        throw new Error("broken hook");
      },
    });
    const topic = uniqueName("obs-throw");
    await kafka.admin().createTopic(topic);
    await expect(kafka.producer(topic).send("fine")).resolves.toMatchObject({ seq: 0 });
  });
});

describe("OpenTelemetry spans", () => {
  it("spans sends and transactions through the application's global tracer provider, failures included", async () => {
    const provider = new MemoryTracerProvider();
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    try {
      const kafka = server.kafka();
      const topic = uniqueName("otel");
      await kafka.admin().createTopic(topic, { partitions: 1 });
      await kafka.producer(topic).send("traced");
      await kafka.transaction(topic, (tx) => tx.send("in a transaction"));
      const closed = await fetch(`${server.url}/v1/stream/topics/${topic}/0`, {
        method: "POST",
        headers: { "stream-closed": "true" },
      });
      expect(closed.ok).toBe(true);
      await expect(kafka.transaction(topic, (tx) => tx.send("refused"))).rejects.toMatchObject({
        code: "TRANSACTION_CONFLICT",
      });
      expect(provider.spans.map((s) => s.name)).toEqual(["send", "transaction", "transaction"]);
      expect(provider.spans.every((s) => s.ended)).toBe(true);
      expect(provider.spans[0]!.attributes).toMatchObject({
        "messaging.system": "rivulet",
        "messaging.destination.name": topic,
        "messaging.destination.partition.id": "0",
      });
      expect(provider.spans[2]).toMatchObject({
        status: { code: 2 },
        attributes: { "error.type": "TRANSACTION_CONFLICT" },
      });
      expect(provider.spans[2]!.exceptions).toHaveLength(1);
    } finally {
      trace.disable();
    }
  });

  it("uses an explicit tracer when given, and makes no spans without one", async () => {
    const provider = new MemoryTracerProvider();
    const topic = uniqueName("otel-explicit");
    const traced = server.kafka({ tracer: provider.getTracer() });
    await traced.admin().createTopic(topic);
    await traced.producer(topic).send(1);
    expect(provider.spans.map((s) => s.name)).toEqual(["send"]);
    await server.kafka().producer(topic).send(2);
    expect(provider.spans).toHaveLength(1);
  });
});
