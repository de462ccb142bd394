/**
 * The consumer group runtime: opens the groups state log and replays it into the coordinator,
 * runs each decision, makes its records durable before anyone hears of it (write-ahead),
 * wakes heartbeats waiting on the groups it changed, and ends sessions on a sweep. A failed state write stops groups (memory would be ahead of what is durable) until
 * the state is replayed again, retried every few seconds; streams keep working meanwhile.
 */
import { randomBytes } from "node:crypto";
import { ProtocolError } from "@rivulet/protocol";
import type { Engine } from "../../../engine/engine.js";
import type { Readiness } from "../../../http/context.js";
import type { HttpRequest } from "../../../http/exchange.js";
import { endFeatureSpan, startFeatureSpan } from "../../../ops/feature-spans.js";
import type { Logger } from "../../../ops/logger.js";
import type { FeatureTracing } from "../../../ops/tracing.js";
import { StateLog } from "../../state-log/index.js";
import type { Decision } from "../coordinator/changes.js";
import { GroupCoordinator } from "../coordinator/coordinator.js";
import type { GroupRecord } from "../coordinator/records.js";
import type { CommitRequest } from "../coordinator/requests.js";
import type { ResolvedGroupSettings } from "../settings.js";
import type { PartitionStats, TopicDirectory } from "../sources/types.js";
import { GroupLocks } from "./locks.js";
import { GroupWaiters } from "./waiters.js";

export interface GroupObserver {
  /** Records made durable: target records with a new epoch are rebalances, commit records commits. */
  recorded(records: readonly GroupRecord[]): void;
}

export interface GroupServiceOptions {
  readonly engine: Engine;
  readonly basePath: string;
  readonly settings: ResolvedGroupSettings;
  readonly logger: Logger;
  readonly observer: GroupObserver;
  /** The server's tracer, when it traces: a span per rebalance, child of the request that caused it. */
  readonly tracing?: FeatureTracing | undefined;
  readonly now?: () => number;
}

/** What made the group change: a request (a heartbeat, say), or the server itself. */
type Cause = { readonly request: HttpRequest } | "session-expiry" | "topic-change";

export interface GroupSources {
  readonly directory: TopicDirectory;
  readonly stats: PartitionStats;
}

/** A commit checked and staged inside a transaction (docs/kafka-layer.md, "Participants"). */
export interface PreparedCommit {
  /** The state log stream and body the transaction appends. */
  readonly path: string;
  readonly body: Uint8Array;
  /** The transaction is durable: the commit is applied and the group released. Never throws. */
  committed(): void;
  /** Nothing was written: the group is released unchanged. */
  aborted(): void;
}

export class GroupService {
  readonly settings: ResolvedGroupSettings;
  readonly now: () => number;
  readonly waiters = new GroupWaiters();
  private coordinatorOrNone: GroupCoordinator | undefined;
  private sourcesOrNone: GroupSources | undefined;
  private readonly log: StateLog<GroupRecord>;
  private readonly locks = new GroupLocks();
  private lastWrite: Promise<void> = Promise.resolve();
  private state: "closed" | "open" | "failed" = "closed";
  private failure: string | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;
  /** Shutting down: heartbeats no longer wait. */
  draining = false;

  constructor(private readonly options: GroupServiceOptions) {
    this.settings = options.settings;
    this.now = options.now ?? Date.now;
    this.log = new StateLog({
      engine: options.engine,
      root: `${options.basePath}/__ds/state/groups`,
      compactAfterRecords: options.settings.compactAfterRecords,
      onCompactionError: (error) =>
        options.logger.warn({ err: String(error) }, "group state compaction failed; will retry"),
    });
  }

  get coordinator(): GroupCoordinator {
    if (!this.coordinatorOrNone) throw new ProtocolError("UNAVAILABLE", "Consumer groups are not open");
    return this.coordinatorOrNone;
  }

  get sources(): GroupSources {
    if (!this.sourcesOrNone) throw new ProtocolError("UNAVAILABLE", "Consumer groups are not open");
    return this.sourcesOrNone;
  }

  async open(sources: GroupSources): Promise<void> {
    this.sourcesOrNone = sources;
    const { settings } = this;
    this.coordinatorOrNone = new GroupCoordinator(
      {
        sessionTimeoutMs: settings.sessionTimeoutMs,
        heartbeatIntervalMs: settings.heartbeatIntervalMs,
        rebalanceTimeoutMs: settings.rebalanceTimeoutMs,
        maxGroups: settings.maxGroups,
        maxMembersPerGroup: settings.maxMembersPerGroup,
        defaultAssignor: settings.defaultAssignor,
      },
      sources.directory,
      () => randomBytes(16).toString("base64url"),
    );
    this.stopListening = sources.directory.onChange((topic) => this.onTopicChanged(topic));
    await this.load();
  }

  /** A graceful shutdown began: waiting heartbeats answer now, and no new one waits. */
  drain(): void {
    this.draining = true;
    this.waiters.wakeAll();
  }

  async close(): Promise<void> {
    this.state = "closed";
    clearInterval(this.sweeper);
    clearTimeout(this.reloadTimer);
    this.stopListening?.();
    this.waiters.wakeAll();
    await this.log.close();
  }

  readiness(): Readiness {
    if (this.state === "failed") return { ready: false, status: "groups", detail: this.failure };
    return { ready: true };
  }

  /** Throws 503 while the group state is being recovered. */
  ensureOpen(): void {
    if (this.state === "open") return;
    throw new ProtocolError("UNAVAILABLE", "Consumer groups are recovering their state; try again shortly", {
      "retry-after": String(Math.ceil(this.settings.recoverAfterMs / 1000)),
    });
  }

  /**
   * Runs a decision about `group` and resolves once its records are durable — or, when it has
   * none, once every earlier record is, so no answer ever reflects state a crash could take
   * back. While a transaction's commit is prepared in the group, the decision waits for it.
   */
  async decide<T>(
    group: string,
    decision: (coordinator: GroupCoordinator, now: number) => Decision<T>,
    request?: HttpRequest,
  ): Promise<T> {
    this.ensureOpen();
    for (let held = this.locks.held(group); held; held = this.locks.held(group)) await held;
    this.ensureOpen();
    const made = decision(this.coordinator, this.now());
    await this.persist(made.records, request && { request });
    return made.result;
  }

  /**
   * Checks a commit as a plain one is checked, under the group's lock, and stages its records
   * in the state log for a transaction to append with its items. The group stays locked until
   * the transaction is settled, so what was checked still holds when the commit is applied.
   */
  async prepareCommit(group: string, request: CommitRequest): Promise<PreparedCommit> {
    this.ensureOpen();
    const release = await this.locks.take(group);
    try {
      this.ensureOpen();
      const { records } = this.coordinator.planCommit(group, request, this.now());
      const staged = await this.log.stage(records).catch((error: unknown) => {
        this.degrade(error);
        throw this.unavailable(error);
      });
      return {
        path: staged.path,
        body: staged.body,
        committed: () => {
          // Applied before the log may compact again (StagedWrite.settle), then the group is free.
          for (const record of records) this.coordinator.replay(record);
          staged.settle(true);
          release();
          this.options.observer.recorded(records);
        },
        aborted: () => {
          staged.settle(false);
          release();
        },
      };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Waits (bounded) until `group` changes; `onCancel` gets the function that ends the wait early. */
  waitForChange(group: string, ms: number, onCancel: (cancel: () => void) => void): Promise<void> {
    if (this.draining) return Promise.resolve();
    return this.waiters.wait(group, ms, onCancel);
  }

  private async persist(records: readonly GroupRecord[], cause?: Cause): Promise<void> {
    if (records.length === 0) return this.lastWrite;
    const spans = this.rebalanceSpans(records, cause);
    const written = Promise.all(records.map((record) => this.log.append(record))).then(() => {});
    this.lastWrite = written.catch(() => {});
    try {
      await written;
      for (const span of spans) endFeatureSpan(span);
    } catch (error) {
      for (const span of spans) endFeatureSpan(span, error);
      this.degrade(error);
      throw this.unavailable(error);
    }
    this.options.observer.recorded(records);
    // Offsets change no member's assignment: only membership and target changes wake heartbeats.
    const changed = records.filter((record) => record.t !== "commit" && record.t !== "reset");
    for (const group of new Set(changed.map((record) => record.g))) this.waiters.wake(group);
  }

  private unavailable(cause: unknown): ProtocolError {
    return new ProtocolError(
      "UNAVAILABLE",
      "Group state could not be saved; try again shortly",
      { "retry-after": String(Math.ceil(this.settings.recoverAfterMs / 1000)) },
      { cause },
    );
  }

  /**
   * A span for each rebalance (a target record: a new group epoch and assignment), from its
   * decision until it is durable, when members can hear of it.
   */
  private rebalanceSpans(records: readonly GroupRecord[], cause: Cause | undefined) {
    const { tracing } = this.options;
    if (!tracing) return [];
    const request = typeof cause === "object" ? cause.request : undefined;
    return records.flatMap((record) =>
      record.t === "target"
        ? [
            startFeatureSpan(tracing, {
              name: "group.rebalance",
              request,
              attributes: {
                "rivulet.group": record.g,
                "rivulet.group.epoch": record.epoch,
                "rivulet.group.members": record.members.length,
                "rivulet.group.assignor": record.assignor,
                "rivulet.group.cause": typeof cause === "string" ? cause : "request",
              },
            }),
          ]
        : [],
    );
  }

  private async load(): Promise<void> {
    this.coordinator.clear();
    await this.log.open({
      replay: (record) => this.coordinator.replay(record),
      snapshot: () => this.coordinator.snapshot(),
    });
    this.coordinator.loaded(this.now());
    this.state = "open";
    this.failure = undefined;
    this.startSweeping();
  }

  /**
   * Sessions and rebalance timeouts end on a sweep a few times per session timeout (at most
   * every second): a member is removed at most that long after its deadline, and no request
   * pays for looking at every member.
   */
  private startSweeping(): void {
    clearInterval(this.sweeper);
    const every = Math.min(1000, Math.max(50, Math.floor(this.settings.sessionTimeoutMs / 10)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  private sweep(): void {
    if (this.state !== "open") return;
    // A group with a prepared commit is left for the next sweep: nothing changes under its lock.
    const busy = (group: string) => this.locks.held(group) !== undefined;
    this.persist(this.coordinator.expire(this.now(), busy), "session-expiry").catch(() => {});
  }

  private onTopicChanged(topic: string): void {
    if (this.state !== "open") return;
    this.persist(this.coordinator.topicChanged(topic, this.now()), "topic-change").catch(() => {});
  }

  private degrade(error: unknown): void {
    if (this.state !== "open") return;
    this.state = "failed";
    this.failure = `group state could not be saved: ${String(error)}`;
    this.options.logger.error({ err: String(error) }, "group state could not be saved; replaying it again shortly");
    clearInterval(this.sweeper);
    this.waiters.wakeAll();
    const retry = () => {
      this.reloadTimer = setTimeout(() => {
        if (this.state !== "failed") return;
        this.load().catch((reason: unknown) => {
          this.options.logger.warn({ err: String(reason) }, "group state not recovered yet");
          retry();
        });
      }, this.settings.recoverAfterMs);
      this.reloadTimer.unref();
    };
    retry();
  }
}
