/** Operator endpoints: liveness, readiness and Prometheus metrics. */
import { NO_STORE } from "@rivulet/protocol";
import type { Context } from "../context.js";
import { type HttpReply, reply } from "../exchange.js";

const encoder = new TextEncoder();

function json(status: number, body: object): HttpReply {
  return reply(status, { "content-type": "application/json", "cache-control": NO_STORE }, [
    encoder.encode(JSON.stringify(body)),
  ]);
}

/** GET /healthz: the process is up and serving HTTP. */
export async function handleHealth(): Promise<HttpReply> {
  return json(200, { status: "ok" });
}

/** GET /readyz: the store is open and can take writes, and the server is not shutting down. */
export async function handleReady(_request: unknown, context: Context): Promise<HttpReply> {
  const readiness = context.readiness();
  if (readiness.ready) return json(200, { status: "ready" });
  return json(503, { status: readiness.status ?? "unavailable", detail: readiness.detail });
}

/** GET /metrics in the Prometheus text format. */
export async function handleMetrics(_request: unknown, context: Context): Promise<HttpReply> {
  const metrics = context.metrics;
  if (!metrics) return json(404, { error: { code: "STREAM_NOT_FOUND", message: "Metrics are disabled" } });
  const { contentType, body } = await metrics.render();
  return reply(200, { "content-type": contentType, "cache-control": NO_STORE }, [encoder.encode(body)]);
}
