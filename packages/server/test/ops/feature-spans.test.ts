/**
 * Spans of the work features do, exported to an in-memory exporter: a transaction's commit
 * and a group's rebalance as children of the request that caused them (in the client's trace
 * when it sent `traceparent`), a rebalance the server starts itself (a member's session ends)
 * as a root, and a webhook delivery as a root whose `traceparent` makes it the parent of the
 * receiver's work.
 */
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { BASE, type TestApp } from "../handlers/helpers.js";
import { json, putSub, Receiver, stream, subscriptionApp, until } from "../subscriptions/support.js";
import { transact } from "../transactions/support.js";

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const tracing = { tracer: provider.getTracer("rivulet-test"), propagator: new W3CTraceContextPropagator() };

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN = "00f067aa0ba902b7";
const traceparent = { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` };

let t: TestApp;
let receiver: Receiver;
beforeAll(async () => {
  t = await subscriptionApp({
    tracing,
    groups: { sessionTimeoutMs: 1000, heartbeatIntervalMs: 200, maxWaitMs: 500 },
    subscriptions: { retryBaseMs: 50, retryMaxMs: 100 },
  });
  receiver = await Receiver.start();
});
afterEach(() => exporter.reset());
afterAll(async () => {
  await t.close();
  await receiver.close();
  await provider.shutdown();
});

async function spansNamed(name: string): Promise<ReadableSpan[]> {
  await provider.forceFlush();
  return exporter.getFinishedSpans().filter((span) => span.name === name);
}
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describe("transactions", () => {
  test("a commit is a child of its request, with its items and outcome", async () => {
    const [a, b] = [t.path("tx-a"), t.path("tx-b")];
    await t.create(a, "application/json");
    await t.create(b, "application/json");
    const rel = (path: string) => path.slice(BASE.length + 1);
    const res = await transact(
      t,
      {
        items: [
          { path: rel(a), body: { n: 1 } },
          { path: rel(b), body: { n: 2 } },
        ],
      },
      traceparent,
    );
    expect(res.status).toBe(200);
    const [request] = await spansNamed("transaction");
    const [commit] = await spansNamed("transaction.commit");
    expect(parentOf(request!)).toBe(CLIENT_SPAN);
    expect(parentOf(commit!)).toBe(idOf(request!));
    expect(commit!.spanContext().traceId).toBe(TRACE_ID);
    expect(commit!.attributes).toMatchObject({
      "rivulet.transaction.items": 2,
      "rivulet.transaction.outcome": "committed",
    });
  });

  test("a refused transaction's span says so and carries the code, without an error status", async () => {
    const res = await transact(t, { items: [{ path: "tx-missing", body: 1 }] });
    expect(res.status).toBe(409);
    const [commit] = await spansNamed("transaction.commit");
    expect(commit!.attributes).toMatchObject({
      "rivulet.transaction.outcome": "refused",
      "rivulet.error.code": "TRANSACTION_CONFLICT",
    });
    expect(commit!.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe("group rebalances", () => {
  const heartbeat = (body: object, headers: Record<string, string> = {}) =>
    t.request(`${BASE}/__ds/groups/billing/heartbeat`, json("POST", body, headers));

  test("a join's rebalance is a child of its heartbeat; a session's end is a rebalance of its own", async () => {
    expect((await t.request(`${BASE}/__ds/topics/orders`, json("PUT", { partitions: 2 }))).status).toBe(201);
    const joined = (await (await heartbeat({ member_epoch: 0, topics: ["orders"] }, traceparent)).json()) as {
      member_id: string;
    };
    const [request] = await spansNamed("group-heartbeat");
    const [rebalance] = await spansNamed("group.rebalance");
    expect(parentOf(request!)).toBe(CLIENT_SPAN);
    expect(parentOf(rebalance!)).toBe(idOf(request!));
    expect(rebalance!.attributes).toMatchObject({
      "rivulet.group": "billing",
      "rivulet.group.epoch": 1,
      "rivulet.group.members": 1,
      "rivulet.group.cause": "request",
    });
    exporter.reset();
    // The member never heartbeats again: its session ends and the group rebalances without it.
    await until(async () => (await spansNamed("group.rebalance")).length > 0, 5_000);
    const [expiry] = await spansNamed("group.rebalance");
    expect(parentOf(expiry!)).toBeUndefined();
    expect(expiry!.spanContext().traceId).not.toBe(TRACE_ID);
    expect(expiry!.attributes).toMatchObject({
      "rivulet.group.epoch": 2,
      "rivulet.group.members": 0,
      "rivulet.group.cause": "session-expiry",
    });
    expect(joined.member_id).toEqual(expect.any(String));
  });
});

describe("subscription deliveries", () => {
  test("a webhook delivery's traceparent makes its span the parent of the receiver's work", async () => {
    receiver.script.push({ status: 503 });
    receiver.fallback = { status: 200, body: { done: true } };
    await putSub(t, "traced", { type: "webhook", pattern: "traced/*", webhook: { url: receiver.url } });
    await t.create(stream("traced/a"), "text/plain", "abc", traceparent);
    const [failed, retried] = [await receiver.waitFor(1), await receiver.waitFor(2)];
    await until(async () => (await spansNamed("subscription.deliver")).length === 2);
    const spans = await spansNamed("subscription.deliver");
    for (const [span, delivery] of [
      [spans[0]!, failed],
      [spans[1]!, retried],
    ] as const) {
      const [, traceId, parentId] = String(delivery.headers.traceparent).split("-");
      expect(traceId).toBe(span.spanContext().traceId);
      expect(parentId).toBe(idOf(span));
      // The wake is the server's own work: not part of the append that made the data pending.
      expect(parentOf(span)).toBeUndefined();
      expect(span.kind).toBe(SpanKind.CLIENT);
    }
    expect(spans[0]!.attributes).toMatchObject({
      "rivulet.subscription": "traced",
      "rivulet.wake.generation": 1,
      "rivulet.delivery.attempt": 1,
      "rivulet.delivery.outcome": "status",
      "http.response.status_code": 503,
    });
    expect(spans[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans[1]!.attributes).toMatchObject({
      "rivulet.wake.generation": 2,
      "rivulet.delivery.attempt": 2,
      "rivulet.delivery.outcome": "done",
      "http.response.status_code": 200,
    });
    expect(spans[1]!.status.code).toBe(SpanStatusCode.UNSET);
  });

  test("pull-wake: writing wake events is a span, an error while the wake stream is missing", async () => {
    await putSub(t, "jobs", { type: "pull-wake", pattern: "jobs/*", wake_stream: "wakes/jobs" });
    await t.create(stream("jobs/1"), "text/plain", "x");
    await until(async () => (await spansNamed("subscription.wake-events")).length > 0);
    const [failed] = await spansNamed("subscription.wake-events");
    expect(failed!.attributes).toMatchObject({ "rivulet.subscription": "jobs", "rivulet.delivery.outcome": "failed" });
    expect(failed!.status.code).toBe(SpanStatusCode.ERROR);
    await t.create(stream("wakes/jobs"), "application/json");
    await until(async () =>
      (await spansNamed("subscription.wake-events")).some(
        (s) => s.attributes["rivulet.delivery.outcome"] === "written",
      ),
    );
  });
});
