/**
 * Features plug into the server here: each is a folder under features/ whose `Feature` mounts
 * its routes (under `{base}/__ds/…`), starts and stops its background work with the app, and
 * adds readiness checks — so a new capability is a new folder, not branches in old files.
 */
import type { Capabilities } from "./capabilities.js";
import type { Engine } from "./engine/engine.js";
import type { Readiness } from "./http/context.js";
import type { RouteSpec } from "./http/routing/route.js";
import type { Logger } from "./ops/logger.js";
import type { ServerMetrics } from "./ops/metrics.js";
import type { FeatureTracing } from "./ops/tracing.js";
import type { ResolvedOptions } from "./options.js";

/**
 * The name of something one feature offers others (the topics feature's directory, say), with
 * its type: `serviceKey<TopicDirectory>("topic-directory")`.
 */
export interface ServiceKey<T> {
  readonly name: string;
  /** Never set: carries the type. */
  readonly type?: T;
}

export function serviceKey<T>(name: string): ServiceKey<T> {
  return { name };
}

export interface Feature {
  readonly name: string;
  /**
   * Its work and state must exist on one node of a cluster at a time (deliveries, coordination,
   * background reclaiming). In cluster mode its open and close hooks run on the node holding the
   * lease, and other nodes send its routes there (cluster/); on one server this changes nothing.
   */
  readonly singleton?: boolean;
  /** Called once while the app is built, before the store opens. */
  setup(host: FeatureHost): void;
}

export interface FeatureHost {
  readonly engine: Engine;
  /** Every extension declared so far (the capabilities feature answers them). */
  readonly capabilities: Capabilities;
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  readonly metrics: ServerMetrics | undefined;
  /**
   * The server's tracer when tracing is on (undefined otherwise: then add no spans). Spans of
   * work a request started take `tracing.contextOf(request)` as their parent context.
   */
  readonly tracing: FeatureTracing | undefined;
  route(route: RouteSpec): void;
  /** Runs after the store has opened and recovered, before the server reports ready. */
  onOpen(hook: () => Promise<void> | void): void;
  /** Runs at shutdown, after requests drained and before the store closes. */
  onClose(hook: () => Promise<void> | void): void;
  /**
   * Runs when a graceful shutdown starts draining requests: anything the feature keeps waiting
   * (as long-polls wait) should answer now. New requests may still arrive until the server closes.
   */
  onDrain(hook: () => void): void;
  /** A check /readyz consults; the server is ready only when every check is. */
  readiness(check: () => Readiness): void;
  /** Declares a protocol extension the feature adds, for `GET {base}/__ds/capabilities`. */
  capability(name: string, version: number): void;
  /**
   * Offers `value` to other features under `key`. A key is offered once, except that an
   * embedder's feature (ServerOptions.features) may replace what a built-in feature offers.
   */
  provide<T>(key: ServiceKey<T>, value: T): void;
  /**
   * What another feature offered under `key`, if any. Features are set up in turn, so ask from
   * `onOpen` on, when every feature has been.
   */
  lookup<T>(key: ServiceKey<T>): T | undefined;
}
