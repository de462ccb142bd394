/**
 * The topics runtime: replays the topics' state log, finishes what a crash interrupted
 * (reconcile.ts, given to it), and makes every change durable through the log before acting on it (admin
 * changes run one at a time: they are rare, and each touches many streams). A failed state
 * write stops topic administration — the memory state is then ahead of what is durable —
 * until the state is replayed again, retried every few seconds; partitions keep working.
 */
import { ProtocolError } from "@rivulet/protocol";
import type { Engine } from "../../../engine/engine.js";
import type { Readiness } from "../../../http/context.js";
import type { Logger } from "../../../ops/logger.js";
import { StateLog } from "../../state-log/index.js";
import type { TopicPaths } from "../paths.js";
import type { ResolvedTopicSettings } from "../settings.js";
import { type Topic, TopicTable } from "../state/model.js";
import type { TopicLogRecord } from "../state/records.js";
import { ChangeFeed, type FeedChange } from "./feed.js";
import { Partitions } from "./partitions.js";

export interface TopicServiceOptions {
  readonly engine: Engine;
  readonly basePath: string;
  readonly paths: TopicPaths;
  readonly settings: ResolvedTopicSettings;
  readonly maxStreams: number;
  readonly logger: Logger;
  /** Finishes, after the state is replayed, what a crash left half done (reconcile.ts). */
  readonly reconcile: (service: TopicService) => Promise<void>;
}

/** Records past the last snapshot before the state log compacts. */
const COMPACT_STATE_AFTER = 1000;

export class TopicService {
  readonly engine: Engine;
  readonly table = new TopicTable();
  readonly paths: TopicPaths;
  readonly partitions: Partitions;
  readonly feed: ChangeFeed;
  readonly settings: ResolvedTopicSettings;
  readonly logger: Logger;
  readonly maxStreams: number;
  /** Topics whose partitions are being created: not visible yet. */
  readonly pending = new Set<string>();
  /** Topics growing: the partition count clients see until the new partitions exist. */
  readonly growing = new Map<string, number>();
  private readonly log: StateLog<TopicLogRecord>;
  private readonly listeners = new Set<(topic: string) => void>();
  private readonly configListeners = new Set<(topic: string) => void>();
  private state: "closed" | "open" | "failed" = "closed";
  private failure: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly reconcile: (service: TopicService) => Promise<void>;
  private reloadTimer: NodeJS.Timeout | undefined;

  constructor(options: TopicServiceOptions) {
    this.engine = options.engine;
    this.paths = options.paths;
    this.settings = options.settings;
    this.logger = options.logger;
    this.maxStreams = options.maxStreams;
    this.reconcile = options.reconcile;
    this.partitions = new Partitions(this.engine, this.paths);
    this.feed = new ChangeFeed(this.engine, this.paths.feed, this.logger);
    this.log = new StateLog({
      engine: this.engine,
      root: `${options.basePath}/__ds/state/topics`,
      compactAfterRecords: COMPACT_STATE_AFTER,
      onCompactionError: (error) =>
        this.logger.warn({ err: String(error) }, "topic state compaction failed; will retry"),
    });
  }

  async open(): Promise<void> {
    await this.load();
  }

  async close(): Promise<void> {
    this.state = "closed";
    clearTimeout(this.reloadTimer);
    await this.queue.catch(() => {});
    await this.log.close();
  }

  readiness(): Readiness {
    if (this.state === "failed") return { ready: false, status: "topics", detail: this.failure };
    return { ready: true };
  }

  /** Throws 503 while the topics' state is being recovered. */
  ensureOpen(): void {
    if (this.state === "open") return;
    throw new ProtocolError("UNAVAILABLE", "Topics are recovering their state; try again shortly", {
      "retry-after": String(Math.ceil(this.settings.recoverAfterMs / 1000)),
    });
  }

  /** A topic clients can use: durable, its partitions made, not being deleted. */
  visible(name: string): Topic | undefined {
    return this.pending.has(name) ? undefined : this.table.live(name);
  }

  /** How many partitions clients may use: a growing topic's new ones only once they exist. */
  partitionCount(name: string): number | undefined {
    const topic = this.visible(name);
    return topic && (this.growing.get(name) ?? topic.config.partitions);
  }

  /** Runs admin changes one at a time. */
  serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue
      .catch(() => {})
      .then(() => {
        this.ensureOpen();
        return work();
      });
    this.queue = next;
    return next;
  }

  /** Applies `record` to the state now and resolves once it is durable (write-ahead). */
  async commit(record: TopicLogRecord): Promise<void> {
    this.ensureOpen();
    this.table.apply(record);
    try {
      await this.log.append(record);
    } catch (error) {
      this.degrade(error);
      throw error instanceof ProtocolError
        ? error
        : new ProtocolError("UNAVAILABLE", "Topic state could not be saved", {}, { cause: error });
    }
  }

  /** The change feed's entries for the current state (it writes those it lacks); whether it has them all. */
  async publish(changes: readonly FeedChange[] = []): Promise<boolean> {
    const current: FeedChange[] = [...this.table.topics.values()]
      .filter((topic) => !topic.deleting && !this.pending.has(topic.name))
      .map((topic) => ({ topic, operation: topic.createdRevision === topic.revision ? "insert" : "update" }));
    return this.feed.publish([...current, ...changes]);
  }

  onChange(listener: (topic: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` with a topic's name whenever anything of it changes (its config included). */
  onConfigured(listener: (topic: string) => void): () => void {
    this.configListeners.add(listener);
    return () => this.configListeners.delete(listener);
  }

  /** Tells the directory's listeners a topic's partitions changed (created, grown, deleted). */
  changed(name: string): void {
    this.tell(this.listeners, name);
  }

  /** Tells the config listeners a topic changed. */
  configured(name: string): void {
    this.tell(this.configListeners, name);
  }

  private tell(listeners: ReadonlySet<(topic: string) => void>, name: string): void {
    for (const listener of listeners) {
      try {
        listener(name);
      } catch (error) {
        this.logger.error({ err: String(error), topic: name }, "a topic listener failed");
      }
    }
  }

  private async load(): Promise<void> {
    this.table.topics.clear();
    this.table.revision = 0;
    this.pending.clear();
    this.growing.clear();
    await this.log.open({ replay: (record) => this.table.apply(record), snapshot: () => this.table.snapshot() });
    this.state = "open";
    this.failure = undefined;
    await this.serially(() => this.reconcile(this));
  }

  private degrade(error: unknown): void {
    if (this.state !== "open") return;
    this.state = "failed";
    this.failure = `topic state could not be saved: ${String(error)}`;
    this.logger.error({ err: String(error) }, "topic state could not be saved; replaying it again shortly");
    const retry = () => {
      this.reloadTimer = setTimeout(() => {
        if (this.state !== "failed") return;
        this.load().catch((reason: unknown) => {
          this.logger.warn({ err: String(reason) }, "topic state not recovered yet");
          this.state = "failed";
          retry();
        });
      }, this.settings.recoverAfterMs);
      this.reloadTimer.unref();
    };
    retry();
  }
}
