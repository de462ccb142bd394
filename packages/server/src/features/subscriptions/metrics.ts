/**
 * Subscription metrics in /metrics: webhook deliveries by outcome with their latency, retries
 * scheduled, pull-wake event writes, subscriptions by type and status, those with pending
 * work, and lag (bytes past the cursors). Lag per subscription is a labelled series only for
 * the `lagSeries` largest lags — label cardinality stays bounded however many subscriptions
 * there are — and the total over all of them is its own gauge.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { DeliveryObserver, DeliveryOutcome } from "./runtime/waker.js";
import type { Subscription } from "./state/model.js";
import { status } from "./views.js";

export interface LagSource {
  subscriptions(): Iterable<Subscription>;
  lag(sub: Subscription): number;
  hasPending(sub: Subscription): boolean;
}

export const noObserver: DeliveryObserver = { webhook() {}, retryScheduled() {}, wakeEvents() {} };

export class SubscriptionMetrics implements DeliveryObserver {
  private readonly deliveries: Counter<"outcome">;
  private readonly latency: Histogram<"outcome">;
  private readonly retries: Counter;
  private readonly events: Counter<"outcome">;

  constructor(registry: Registry, source: () => LagSource | undefined, lagSeries: number) {
    const registers = [registry];
    this.deliveries = new Counter({
      name: "rivulet_webhook_deliveries_total",
      help: "Webhook requests by outcome: done, accepted, status (non-2xx), timeout, network, refused (SSRF)",
      labelNames: ["outcome"],
      registers,
    });
    this.latency = new Histogram({
      name: "rivulet_webhook_delivery_seconds",
      help: "Time from sending a webhook to its answer (or failure), by outcome",
      labelNames: ["outcome"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.retries = new Counter({
      name: "rivulet_subscription_retries_total",
      help: "Failed deliveries (webhooks, wake events) whose retry was scheduled",
      registers,
    });
    this.events = new Counter({
      name: "rivulet_wake_events_total",
      help: "Pull-wake event writes to wake streams, by outcome (ok, failed)",
      labelNames: ["outcome"],
      registers,
    });
    new Gauge({
      name: "rivulet_subscriptions",
      help: "Subscriptions by type (webhook, pull-wake) and status (active, failed)",
      labelNames: ["type", "status"],
      registers,
      collect() {
        this.reset();
        for (const sub of source()?.subscriptions() ?? []) this.inc({ type: sub.config.type, status: status(sub) });
      },
    });
    new Gauge({
      name: "rivulet_subscriptions_pending",
      help: "Subscriptions with pending work (a linked stream's tail past its cursor)",
      registers,
      collect() {
        const lags = source();
        let pending = 0;
        for (const sub of lags?.subscriptions() ?? []) if (lags!.hasPending(sub)) pending++;
        this.set(pending);
      },
    });
    new Gauge({
      name: "rivulet_subscriptions_lag_bytes",
      help: "Bytes past the cursors, over every subscription",
      registers,
      collect() {
        const lags = source();
        let total = 0;
        for (const sub of lags?.subscriptions() ?? []) total += lags!.lag(sub);
        this.set(total);
      },
    });
    new Gauge({
      name: "rivulet_subscription_lag_bytes",
      help: "Bytes past the cursors of the subscriptions with the largest lag (at most lagSeries of them)",
      labelNames: ["subscription"],
      registers,
      collect() {
        this.reset();
        const lags = source();
        if (!lags || lagSeries === 0) return;
        const top: Array<[string, number]> = [];
        for (const sub of lags.subscriptions()) {
          const lag = lags.lag(sub);
          if (lag > 0) top.push([sub.id, lag]);
        }
        top.sort((a, b) => b[1] - a[1]);
        for (const [subscription, lag] of top.slice(0, lagSeries)) this.set({ subscription }, lag);
      },
    });
  }

  webhook(outcome: DeliveryOutcome, seconds: number): void {
    this.deliveries.inc({ outcome });
    this.latency.observe({ outcome }, seconds);
  }

  retryScheduled(): void {
    this.retries.inc();
  }

  wakeEvents(ok: boolean): void {
    this.events.inc({ outcome: ok ? "ok" : "failed" });
  }
}
