/**
 * Group membership through the server's heartbeat (docs/kafka-layer.md, "How membership
 * works"; KIP-848's shape): join with epoch 0, heartbeat at the server's interval reporting
 * the partitions consumed now, hold a heartbeat open (`wait_ms`) while nothing is due so a
 * rebalance is heard at once, leave with epoch -1. A fenced or forgotten member stops
 * consuming everything and joins again with epoch 0.
 */
import { GroupCoordinatorError, KafkaError } from "../errors.js";
import { type KafkaHttp, sleep } from "../http.js";
import type { TopicPartition } from "./options.js";

/** A partition the member may consume now, as the heartbeat's `assignment` lists it. */
export interface AssignedPartition extends TopicPartition {
  /** The partition stream's path, from the server root (`/v1/stream/topics/orders/0`). */
  readonly path: string;
  /** The committed offset, or undefined when the group has none for it. */
  readonly committed: string | undefined;
}

export interface MembershipListener {
  /** The partitions consumed now (revoked ones are left out once released). */
  owned(): Record<string, number[]>;
  /** The server's answer: what the member may consume now. */
  reconcile(assignment: AssignedPartition[]): Promise<void>;
  /** The member lost its partitions (fenced, unknown, or its session ran out): stop consuming all of them at once. */
  lost(code: string): Promise<void>;
  /** A failure the member cannot recover from: the consumer ends with it. */
  failed(error: KafkaError): void;
}

export interface MembershipSettings {
  group: string;
  topics: string[];
  heartbeatIntervalMs: number | undefined;
  sessionTimeoutMs: number | undefined;
  rebalanceTimeoutMs: number | undefined;
  /** Static membership: leaving keeps the partitions reserved for this id until the session ends. */
  instanceId: string | undefined;
}

interface HeartbeatReply {
  member_id: string;
  member_epoch: number;
  heartbeat_interval_ms: number;
  session_timeout_ms: number;
  assignment: Record<string, { partition: number; path: string; committed: { offset: string } | null }[]>;
}

/** Codes after which the member must stop consuming and join again with epoch 0. */
const REJOIN_CODES = new Set(["FENCED_MEMBER_EPOCH", "UNKNOWN_MEMBER_ID"]);

export class Membership {
  /** Chosen here, so a join whose answer was lost can be sent again as the same member. */
  memberId: string | undefined = newMemberId();
  epoch = 0;
  #intervalMs = 5_000;
  #sessionMs = 45_000;
  #lastSuccess = Date.now();
  #canWait = true;
  #stopped = false;
  #wake = new AbortController();
  #loop: Promise<void> | undefined;
  /** Resolves the waiters of the next successful heartbeat. */
  #beats: (() => void)[] = [];

  constructor(
    private readonly http: KafkaHttp,
    private readonly settings: MembershipSettings,
    private readonly listener: MembershipListener,
  ) {}

  /** Joins (the first heartbeat's failure, such as a malformed group, rejects here) and keeps heartbeating. */
  async start(): Promise<void> {
    const reply = await this.#heartbeat(0);
    await this.#accept(reply);
    this.#loop = this.#run();
  }

  /** Heartbeat now instead of at the next interval (a partition was released, a commit was refused as stale). */
  wake(): void {
    this.#wake.abort();
  }

  /** Resolves after the next successful heartbeat. */
  nextBeat(): Promise<void> {
    return new Promise((resolve) => {
      this.#beats.push(resolve);
      this.wake();
    });
  }

  /**
   * Stops heartbeating and leaves the group: epoch -1, so its partitions move at once; or, with
   * an instance id, epoch -2 ("leaving for now"), so they wait for the same instance to return.
   */
  async leave(): Promise<void> {
    this.#stopped = true;
    this.wake();
    await this.#loop;
    for (const resolve of this.#beats.splice(0)) resolve();
    if (this.memberId === undefined || this.epoch <= 0) return;
    const body = { member_id: this.memberId, member_epoch: this.settings.instanceId === undefined ? -1 : -2 };
    await this.http.call("POST", this.#url(), { body, retry: true }).catch((error: unknown) => {
      // A member the server already forgot has nothing to leave.
      if (!(error instanceof KafkaError && REJOIN_CODES.has(error.code))) throw error;
    });
    this.epoch = -1;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const caughtUp = this.#caughtUp();
      if (!caughtUp) await this.#pause(this.#intervalMs);
      if (this.#stopped) return;
      try {
        await this.#accept(await this.#heartbeat(caughtUp && this.#canWait ? this.#intervalMs : 0));
      } catch (error) {
        await this.#recover(error);
      }
    }
  }

  /** The last answer's assignment is what the member consumes: a heartbeat may wait for news. */
  #caughtUp(): boolean {
    return this.#lastAssignment !== undefined && sameAssignment(this.#lastAssignment, this.listener.owned());
  }

  #lastAssignment: Record<string, number[]> | undefined;

  async #heartbeat(waitMs: number): Promise<HeartbeatReply> {
    const { topics, rebalanceTimeoutMs } = this.settings;
    const joining = this.epoch <= 0;
    const body: Record<string, unknown> = { member_epoch: joining ? 0 : this.epoch };
    if (this.memberId !== undefined) body.member_id = this.memberId;
    if (joining) {
      body.topics = topics;
      if (rebalanceTimeoutMs !== undefined) body.rebalance_timeout_ms = rebalanceTimeoutMs;
      if (this.settings.instanceId !== undefined) body.instance_id = this.settings.instanceId;
    } else body.owned = this.listener.owned();
    this.#wake = new AbortController();
    const answer = await this.http.call<HeartbeatReply>("POST", this.#url(), {
      body,
      query: waitMs > 0 ? { wait_ms: waitMs } : {},
      signal: waitMs > 0 ? this.#wake.signal : undefined,
      timeoutMs: this.http.options.timeoutMs + waitMs,
      // Safe to repeat: the member id names the member, even on a join.
      retry: true,
    });
    return answer.body;
  }

  async #accept(reply: HeartbeatReply): Promise<void> {
    this.memberId = reply.member_id;
    this.epoch = reply.member_epoch;
    this.#intervalMs = Math.min(reply.heartbeat_interval_ms, this.settings.heartbeatIntervalMs ?? Infinity);
    this.#sessionMs = Math.min(reply.session_timeout_ms, this.settings.sessionTimeoutMs ?? Infinity);
    this.#lastSuccess = Date.now();
    const assignment = assignedPartitions(reply);
    this.#lastAssignment = byTopic(assignment);
    await this.listener.reconcile(assignment);
    for (const resolve of this.#beats.splice(0)) resolve();
  }

  async #recover(error: unknown): Promise<void> {
    if (this.#stopped) return;
    if (!(error instanceof KafkaError)) return this.listener.failed(unexpected(error));
    if (error.code === "ABORTED") return; // woken: heartbeat again now
    if (REJOIN_CODES.has(error.code)) return this.#rejoin(error.code);
    if (error.code === "INVALID_GROUP_REQUEST" && this.#canWait && /wait_ms/.test(error.message)) {
      // A server whose longest wait is below its own interval: poll at the interval instead.
      this.#canWait = false;
      return;
    }
    if (!error.isRetriable) return this.listener.failed(error);
    // A member with no successful heartbeat for its session may have lost its partitions.
    if (Date.now() - this.#lastSuccess > this.#sessionMs) return this.#rejoin("SESSION_TIMEOUT");
    await sleep(Math.min(this.#intervalMs, 1_000)).catch(() => {});
  }

  async #rejoin(code: string): Promise<void> {
    await this.listener.lost(code);
    // A fenced member may rejoin under its own id; a forgotten one gets a new id.
    if (code === "UNKNOWN_MEMBER_ID") this.memberId = newMemberId();
    this.epoch = 0;
    this.#lastAssignment = undefined;
    try {
      await this.#accept(await this.#heartbeat(0));
    } catch (error) {
      if (error instanceof KafkaError && REJOIN_CODES.has(error.code)) this.memberId = newMemberId();
      else if (!(error instanceof KafkaError && error.isRetriable)) this.listener.failed(unexpected(error));
      else await sleep(Math.min(this.#intervalMs, 1_000)).catch(() => {});
    }
  }

  /** Waits `ms`, or less when woken. */
  #pause(ms: number): Promise<void> {
    const signal = this.#wake.signal;
    return sleep(ms, signal).catch(() => {
      this.#wake = new AbortController();
    });
  }

  #url(): string {
    return this.http.api(`groups/${encodeURIComponent(this.settings.group)}/heartbeat`);
  }
}

/** A member id of the server's alphabet (1–64 of `A-Z a-z 0-9 . _ -`), unique enough to never meet another. */
function newMemberId(): string {
  const random = crypto.getRandomValues(new Uint8Array(12));
  return `m-${Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

function assignedPartitions(reply: HeartbeatReply): AssignedPartition[] {
  const out: AssignedPartition[] = [];
  for (const [topic, partitions] of Object.entries(reply.assignment ?? {})) {
    for (const entry of partitions) {
      out.push({ topic, partition: entry.partition, path: entry.path, committed: entry.committed?.offset });
    }
  }
  return out;
}

/** Partitions grouped by topic, as `owned` is sent: `{"orders": [0, 2]}`. */
export function byTopic(partitions: readonly TopicPartition[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const { topic, partition } of partitions) {
    const list = out[topic] ?? [];
    list.push(partition);
    out[topic] = list;
  }
  return out;
}

function sameAssignment(a: Record<string, number[]>, b: Record<string, number[]>): boolean {
  const keys = (owned: Record<string, number[]>) =>
    Object.entries(owned)
      .flatMap(([topic, partitions]) => partitions.map((partition) => `${topic}/${partition}`))
      .sort()
      .join(",");
  return keys(a) === keys(b);
}

function unexpected(error: unknown): KafkaError {
  if (error instanceof KafkaError) return error;
  return new GroupCoordinatorError("CONSUMER_FAILED", `The consumer failed: ${String(error)}`, { cause: error });
}
