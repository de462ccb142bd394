/**
 * Request spans through @opentelemetry/api, exported to an in-memory exporter: one server span
 * per request with its operation, stream, status, bytes and commit wait; the client's span as
 * parent when the request carries `traceparent`; a span for each SSE session when it ends; and
 * features parenting their own spans on a request's.
 */
import { propagation, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { Feature } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { BASE, readSse, startApp, type TestApp } from "../handlers/helpers.js";
import { readersWaiting } from "../support/live-readers.js";

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const tracer = provider.getTracer("rivulet-test");

/** A feature whose route does work of its own, traced as a child of the request's span. */
const childSpans: Feature = {
  name: "child-spans",
  setup(host) {
    host.route({
      method: "POST",
      path: "__ds/work",
      operation: "work",
      access: "open",
      handle: async (request) => {
        host.tracing?.tracer.startSpan("work.step", {}, host.tracing.contextOf(request)).end();
        return { status: 204, headers: {} };
      },
    });
  },
};

let t: TestApp;
beforeAll(async () => {
  t = await startApp({ tracing: { tracer, propagator: new W3CTraceContextPropagator() }, features: [childSpans] });
});
afterAll(async () => {
  await t.close();
  await provider.shutdown();
});

/** Finished spans of this name, once exports in flight have landed. */
async function spansNamed(name: string): Promise<ReadableSpan[]> {
  await provider.forceFlush();
  return exporter.getFinishedSpans().filter((span) => span.name === name);
}
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe("request spans", () => {
  test("an append is a server span with operation, stream, status, bytes and commit wait", async () => {
    exporter.reset();
    const path = t.path("traced");
    await t.create(path, "application/json");
    await t.append(path, "application/json", '{"a":1}');
    const [span] = await spansNamed("append");
    expect(span).toBeDefined();
    expect(span!.kind).toBe(SpanKind.SERVER);
    expect(span!.attributes).toMatchObject({
      "rivulet.operation": "append",
      "rivulet.stream": path,
      "http.request.method": "POST",
      "http.route": `${BASE}/{stream}`,
      "http.response.status_code": 204,
      "http.request.body.size": 7,
    });
    expect(span!.attributes["rivulet.commit_wait_ms"]).toBeGreaterThanOrEqual(0);
    expect(span!.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(await spansNamed("create")).toHaveLength(1);
  });

  test("a request with traceparent is a child of the client's span, in the client's trace", async () => {
    exporter.reset();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parentId = "00f067aa0ba902b7";
    const path = t.path("child");
    await t.create(path, "text/plain", undefined, { traceparent: `00-${traceId}-${parentId}-01` });
    const [span] = await spansNamed("create");
    expect(span!.spanContext().traceId).toBe(traceId);
    expect(parentOf(span!)).toBe(parentId);
    // Without the header the span starts a trace of its own.
    await t.request(path, { method: "HEAD" });
    const [head] = await spansNamed("head");
    expect(head!.spanContext().traceId).not.toBe(traceId);
    expect(parentOf(head!)).toBeUndefined();
  });

  test("errors carry their code; 5xx would be an error status, a 404 is not", async () => {
    exporter.reset();
    await t.request(`${BASE}/missing-${Date.now()}`);
    const [span] = await spansNamed("read");
    expect(span!.attributes).toMatchObject({
      "http.response.status_code": 404,
      "rivulet.error.code": "STREAM_NOT_FOUND",
    });
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
  });

  test("an SSE session's span ends with the session and counts the bytes it sent", async () => {
    exporter.reset();
    const path = t.path("sse");
    await t.create(path, "text/plain", "hello");
    const res = await t.request(`${path}?offset=-1&live=sse`);
    const reading = readSse(res, (events) => events.some((event) => event.data.includes("world")));
    await readersWaiting(t.app.engine, path);
    expect(await spansNamed("sse")).toEqual([]);
    await t.append(path, "text/plain", " world");
    await reading;
    // The reader cancelled: the session ends, and its span with it.
    while ((await spansNamed("sse")).length === 0) await new Promise((resolve) => setImmediate(resolve));
    const [span] = await spansNamed("sse");
    expect(span!.attributes["rivulet.stream"]).toBe(path);
    expect(span!.attributes["http.response.body.size"]).toBeGreaterThan("hello world".length);
  });

  test("a feature's spans are children of the request that started their work", async () => {
    exporter.reset();
    await t.request(`${BASE}/__ds/work`, { method: "POST" });
    const [request] = await spansNamed("work");
    const [step] = await spansNamed("work.step");
    expect(parentOf(step!)).toBe(request!.spanContext().spanId);
    expect(step!.spanContext().traceId).toBe(request!.spanContext().traceId);
  });
});

test("without a tracer the server never calls the tracing API; with one it reads parents through the global propagator", async () => {
  const extract = vi.spyOn(propagation, "extract");
  const run = async (app: TestApp) => {
    try {
      const path = app.path("untraced");
      await app.create(path);
      await app.append(path, "text/plain", "x");
    } finally {
      await app.close();
    }
  };
  try {
    await run(await startApp());
    expect(extract).not.toHaveBeenCalled();
    await run(await startApp({ tracing: { tracer } }));
    expect(extract).toHaveBeenCalledTimes(2);
  } finally {
    extract.mockRestore();
  }
});
