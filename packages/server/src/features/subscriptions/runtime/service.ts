/**
 * The subscription runtime: opens the signing keys and the subscriptions state log, replays
 * and reconciles them, follows the engine's events (a linked stream's append is pending work,
 * a new stream matching a pattern is linked, a deleted one unlinked), and makes every change
 * durable through the log before acting on it. Management (management.ts) and the wake
 * protocol (leases.ts) work on it. A failed state write stops subscriptions (the memory state
 * is then ahead of what is durable) until the state is replayed again, retried every few
 * seconds; streams keep working meanwhile.
 */
import { ProtocolError } from "@rivulet/protocol";
import type { Engine } from "../../../engine/engine.js";
import type { EventOf } from "../../../engine/events.js";
import type { Readiness } from "../../../http/context.js";
import type { Logger } from "../../../ops/logger.js";
import type { FeatureTracing } from "../../../ops/tracing.js";
import { StateLog } from "../../state-log/index.js";
import { Dispatcher } from "../delivery/dispatcher.js";
import { WebhookClient } from "../delivery/webhook-client.js";
import type { GlobLimits } from "../glob.js";
import type { ResolvedSubscriptionSettings } from "../settings.js";
import { type KeyRecord, KeyRing } from "../signing/key-ring.js";
import type { AllowList } from "../ssrf/allow-list.js";
import type { TargetPolicy } from "../ssrf/target.js";
import type { SubscriptionRecord } from "../state/records.js";
import { toEntry } from "../state/reducer.js";
import { WakeTokens } from "../tokens.js";
import { type Core, relativePath } from "./core.js";
import { DeliveryLog } from "./delivery-log.js";
import { KeyedLock } from "./keyed-lock.js";
import { reconcile } from "./reconcile.js";
import { SubscriptionSet } from "./subscription-set.js";
import { type DeliveryObserver, Waker } from "./waker.js";

export interface ServiceOptions {
  readonly engine: Engine;
  readonly basePath: string;
  readonly maxPathBytes: number;
  readonly settings: ResolvedSubscriptionSettings;
  readonly allow: AllowList;
  readonly policy: TargetPolicy;
  readonly logger: Logger;
  readonly observer: DeliveryObserver;
  /** The server's tracer, when it traces (delivery spans). */
  readonly tracing?: FeatureTracing | undefined;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** Creations in progress: streams created meanwhile that their pattern matches (§6.2 backfill races). */
export interface Backfill {
  readonly matches: (relative: string) => boolean;
  readonly created: Set<string>;
}

export class SubscriptionService implements Core {
  readonly engine: Engine;
  readonly set: SubscriptionSet;
  readonly settings: ResolvedSubscriptionSettings;
  readonly basePath: string;
  readonly logger: Logger;
  readonly keys: KeyRing;
  readonly waker: Waker;
  /** Recent delivery attempts per subscription (GET …/subscriptions/:id/deliveries). */
  readonly history = new DeliveryLog();
  readonly locks = new KeyedLock();
  readonly backfills = new Set<Backfill>();
  readonly globLimits: GlobLimits;
  private readonly log: StateLog<SubscriptionRecord>;
  private readonly keyLog: StateLog<KeyRecord>;
  private readonly client: WebhookClient;
  private wakeTokens: WakeTokens | undefined;
  private state: "closed" | "open" | "failed" = "closed";
  private failure: string | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private keyTimer: NodeJS.Timeout | undefined;
  readonly now: () => number;
  readonly random: () => number;

  constructor(readonly options: ServiceOptions) {
    const { engine, settings } = options;
    this.engine = engine;
    this.settings = settings;
    this.basePath = options.basePath;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.globLimits = {
      maxLength: settings.maxPatternLength,
      maxSegments: settings.maxPatternSegments,
      maxWildcards: settings.maxPatternWildcards,
    };
    this.set = new SubscriptionSet(this.globLimits, settings.maxStreamsPerSubscription);
    const onCompactionError = (error: unknown) =>
      this.logger.warn({ err: String(error) }, "subscription state compaction failed; will retry");
    const root = `${options.basePath}/__ds/state`;
    this.log = new StateLog({
      engine,
      root: `${root}/subscriptions`,
      compactAfterRecords: settings.compactAfterRecords,
      onCompactionError,
    });
    this.keyLog = new StateLog({ engine, root: `${root}/signing-keys`, compactAfterRecords: 100, onCompactionError });
    this.keys = new KeyRing(this.keyLog, {
      rotationMs: settings.keyRotationMs,
      retiredTtlMs: settings.retiredKeyTtlMs,
    });
    this.client = new WebhookClient(options.policy, settings.webhookTimeoutMs, settings.webhookConcurrencyPerOrigin);
    this.waker = new Waker(this, {
      keys: this.keys,
      tokens: () => this.tokens,
      client: this.client,
      dispatcher: new Dispatcher(settings.webhookConcurrency, settings.webhookConcurrencyPerOrigin),
      observer: options.observer,
      history: this.history,
      tracing: options.tracing,
    });
    engine.events.on("created", (event) => this.onCreated(event));
    engine.events.on("appended", (event) => this.onAppended(event));
    engine.events.on("deleted", (event) => this.onDeleted(event));
  }

  get tokens(): WakeTokens {
    this.wakeTokens ??= new WakeTokens(this.keys.secret, this.settings.tokenTtlMs, this.now);
    return this.wakeTokens;
  }

  async open(): Promise<void> {
    await this.keys.open(this.now());
    this.scheduleKeyMaintenance();
    await this.load();
  }

  /** The token secret and a signing key, made (durably) with the first subscription. */
  async ensureKeys(): Promise<void> {
    if (this.keys.ready) return;
    await this.keys.ensure(this.now());
    this.scheduleKeyMaintenance();
  }

  async close(): Promise<void> {
    this.state = "closed";
    clearTimeout(this.reloadTimer);
    clearTimeout(this.keyTimer);
    this.waker.stop();
    this.client.close();
    await this.log.close();
    await this.keyLog.close();
  }

  readiness(): Readiness {
    if (this.state === "failed") return { ready: false, status: "subscriptions", detail: this.failure };
    return { ready: true };
  }

  /** Throws 503 while the subscription state is being recovered. */
  ensureOpen(): void {
    if (this.state === "open") return;
    throw new ProtocolError("UNAVAILABLE", "Subscriptions are recovering their state; try again shortly", {
      "retry-after": String(Math.ceil(this.settings.recoverAfterMs / 1000)),
    });
  }

  commit(records: readonly SubscriptionRecord[]): Promise<void> {
    if (this.state !== "open") {
      return Promise.reject(new ProtocolError("UNAVAILABLE", "Subscriptions are recovering their state"));
    }
    for (const record of records) this.set.apply(record);
    return Promise.all(records.map((record) => this.log.append(record))).then(
      () => {},
      (error: unknown) => {
        this.degrade(error);
        throw error instanceof ProtocolError
          ? error
          : new ProtocolError("UNAVAILABLE", "Subscription state could not be saved", {}, { cause: error });
      },
    );
  }

  /** Replays the state, reconciles it with the streams, and starts waking. */
  private async load(): Promise<void> {
    this.set.clear();
    await this.log.open({
      replay: (record) => this.set.apply(record),
      snapshot: () => [...this.set.subscriptions.values()].map(toEntry),
    });
    await reconcile(this);
    this.state = "open";
    this.failure = undefined;
    this.waker.start();
  }

  private degrade(error: unknown): void {
    if (this.state !== "open") return;
    this.state = "failed";
    this.failure = `subscription state could not be saved: ${String(error)}`;
    this.logger.error({ err: String(error) }, "subscription state could not be saved; replaying it again shortly");
    this.waker.stop();
    const retry = () => {
      this.reloadTimer = setTimeout(() => {
        if (this.state !== "failed") return;
        this.load().catch((reason: unknown) => {
          this.logger.warn({ err: String(reason) }, "subscription state not recovered yet");
          retry();
        });
      }, this.settings.recoverAfterMs);
      this.reloadTimer.unref();
    };
    retry();
  }

  private scheduleKeyMaintenance(): void {
    clearTimeout(this.keyTimer);
    const due = this.keys.nextDue();
    if (due === undefined) return;
    // Timers cannot wait longer than about 24 days; check again then.
    const delay = Math.min(Math.max(0, due - this.now()), 24 * 3600_000);
    this.keyTimer = setTimeout(() => {
      this.keys.maintain(this.now()).then(
        () => this.scheduleKeyMaintenance(),
        (error: unknown) => {
          this.logger.error({ err: String(error) }, "signing key rotation failed");
          this.scheduleKeyMaintenance();
        },
      );
    }, delay + 1);
    this.keyTimer.unref();
  }

  /** A new stream: linked by matching patterns (at its start: all of it is new), its cursor reset on explicit links. */
  private onCreated(event: EventOf<"created">): void {
    const relative = relativePath(this, event.path);
    if (relative === undefined) return;
    for (const backfill of this.backfills) if (backfill.matches(relative)) backfill.created.add(relative);
    if (this.state !== "open") return;
    const start = event.meta.fork?.position ?? 0;
    const extent = { stream: event.meta.createdAt, start, tail: event.tail };
    for (const sub of this.set.matching(relative)) {
      if (relative === sub.config.wake_stream) continue;
      const link = { explicit: false, glob: true, stream: extent.stream, acked: start };
      if (!this.set.linkByPattern(sub, relative, link)) {
        this.logger.warn({ subscription: sub.id, stream: relative }, "subscription stream limit reached");
      }
    }
    if (!this.set.isLinked(relative)) return;
    this.set.setExtent(relative, extent);
    for (const sub of this.set.linking(relative)) this.waker.poke(sub);
  }

  private onAppended(event: EventOf<"appended">): void {
    if (this.state !== "open") return;
    const relative = relativePath(this, event.path);
    if (relative === undefined || !this.set.isLinked(relative)) return;
    this.set.advance(relative, event.end);
    for (const sub of this.set.linking(relative)) this.waker.poke(sub);
  }

  private onDeleted(event: EventOf<"deleted">): void {
    if (this.state !== "open") return;
    const relative = relativePath(this, event.path);
    if (relative !== undefined && this.set.isLinked(relative)) this.set.unlinkDeleted(relative);
  }
}
