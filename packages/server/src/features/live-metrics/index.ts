/**
 * `GET {base}/__ds/metrics`: the server's own counters as JSON time series for the dashboard
 * (admin scope, like /metrics). Once a second the feature snapshots its Prometheus counters and
 * keeps the rates, quantiles and gauges of the last five minutes (history.ts); a page asks for
 * the samples after the last one it has (`?after=<seq>`), so a poll carries a second's worth.
 * Absent when the server runs without metrics.
 */
import { NO_STORE, ProtocolError } from "@rivulet/protocol";
import type { Feature } from "../../feature.js";
import { reply } from "../../http/exchange.js";
import { SampleHistory } from "./history.js";
import { takeSnapshot } from "./snapshot.js";

export interface LiveMetricsOptions {
  /** How often counters are sampled (default 1 s). */
  readonly intervalMs?: number;
  /** Samples kept (default 300: five minutes at 1 s). */
  readonly capacity?: number;
}

const encoder = new TextEncoder();

export function liveMetricsFeature({ intervalMs = 1000, capacity = 300 }: LiveMetricsOptions = {}): Feature {
  return {
    name: "live-metrics",
    setup(host) {
      const metrics = host.metrics;
      if (!metrics) return;
      const history = new SampleHistory(capacity);
      let timer: NodeJS.Timeout | undefined;
      const sample = () =>
        takeSnapshot(metrics.registry, host.engine.now()).then(
          (snapshot) => history.record(snapshot),
          (error: unknown) => host.logger.warn({ err: String(error) }, "metrics sample failed"),
        );
      host.onOpen(async () => {
        await sample();
        timer = setInterval(sample, intervalMs);
        timer.unref();
      });
      host.onClose(() => clearInterval(timer));
      host.route({
        method: "GET",
        path: "__ds/metrics",
        operation: "metrics-json",
        access: "admin",
        handle: async (request) => {
          const after = parseAfter(request.query.get("after"));
          const body = { intervalMs, samples: history.after(after) };
          return reply(200, { "content-type": "application/json", "cache-control": NO_STORE }, [
            encoder.encode(JSON.stringify(body)),
          ]);
        },
      });
    },
  };
}

export const liveMetrics = liveMetricsFeature();

function parseAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const after = Number(value);
  if (!Number.isInteger(after) || after < 0) {
    throw new ProtocolError("BAD_REQUEST", "after must be the seq of a sample (a non-negative integer)");
  }
  return after;
}
