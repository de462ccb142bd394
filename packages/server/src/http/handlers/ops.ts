/** Operator endpoints: liveness, readiness and Prometheus metrics. */
import { NO_STORE } from "@rivulet/protocol";
import type { ServerMetrics } from "../../ops/metrics.js";
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

/**
 * GET /readyz: the store is open, can take writes and has found no corrupt data, and the
 * server is not shutting down. A 503 says why in `detail`.
 */
export async function handleReady(context: Context, opened: boolean): Promise<HttpReply> {
  if (!opened) return json(503, { status: "starting" });
  if (context.engine.draining) return json(503, { status: "draining" });
  const health = context.options.store.health?.() ?? { ready: true };
  if (!health.ready) return json(503, { status: "unavailable", detail: health.detail });
  return json(200, { status: "ready" });
}

/** GET /metrics in the Prometheus text format. */
export async function handleMetrics(metrics: ServerMetrics | undefined): Promise<HttpReply> {
  if (!metrics) return json(404, { error: { code: "STREAM_NOT_FOUND", message: "Metrics are disabled" } });
  const { contentType, body } = await metrics.render();
  return reply(200, { "content-type": contentType, "cache-control": NO_STORE }, [encoder.encode(body)]);
}
