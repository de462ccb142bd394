/**
 * Subscriptions (PROTOCOL §6, §7, §12.8–12.10): durable webhooks and pull-wake workers, built
 * in and on by default. State lives in internal streams (features/state-log), so it is as
 * durable as the store; docs/subscriptions.md describes the API, guarantees and settings.
 */
import type { Feature, FeatureHost } from "../../feature.js";
import type { ConfigRules } from "./config.js";
import { type LagSource, noObserver, SubscriptionMetrics } from "./metrics.js";
import { checkPublicUrl } from "./public-url.js";
import { keyRoutes } from "./routes/keys.js";
import { manageRoutes } from "./routes/manage.js";
import { wakeRoutes } from "./routes/wake.js";
import { SubscriptionService } from "./runtime/service.js";
import type { DeliveryObserver } from "./runtime/waker.js";
import { resolveSubscriptionSettings } from "./settings.js";
import { parseAllowList } from "./ssrf/allow-list.js";
import { systemResolver } from "./ssrf/target.js";

export const subscriptions: Feature = {
  name: "subscriptions",
  singleton: true,
  setup(host) {
    const { options } = host;
    checkPublicUrl(options.publicUrl);
    const settings = resolveSubscriptionSettings(options.subscriptions);
    const allow = parseAllowList(options.webhookAllow);
    // Scraped only once the app runs, when `service` exists.
    const metrics: DeliveryObserver = host.metrics
      ? new SubscriptionMetrics(host.metrics.registry, () => lagSource(service), settings.lagSeries)
      : noObserver;
    const service: SubscriptionService = new SubscriptionService({
      engine: host.engine,
      basePath: options.basePath,
      maxPathBytes: options.maxPathBytes,
      settings,
      allow,
      policy: { allow, resolve: systemResolver },
      logger: host.logger,
      observer: metrics,
      tracing: host.tracing,
    });
    const rules: ConfigRules = {
      basePath: options.basePath,
      maxPathBytes: options.maxPathBytes,
      glob: service.globLimits,
      maxWebhookUrlLength: settings.maxWebhookUrlLength,
      maxStreams: settings.maxStreamsPerSubscription,
      allow,
    };
    mount(host, [...manageRoutes(service, rules), ...wakeRoutes(service), ...keyRoutes(service)]);
    host.onOpen(() => service.open());
    host.onClose(() => service.close());
    host.readiness(() => service.readiness());
  },
};

function mount(host: FeatureHost, routes: Parameters<FeatureHost["route"]>[0][]): void {
  for (const route of routes) host.route(route);
}

function lagSource(service: SubscriptionService): LagSource {
  return {
    subscriptions: () => service.set.subscriptions.values(),
    lag: (sub) => service.set.lag(sub),
    hasPending: (sub) => service.set.hasPending(sub),
  };
}
