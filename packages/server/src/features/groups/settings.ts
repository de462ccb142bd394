/**
 * Consumer group settings (`ServerOptions.groups`), with their defaults. docs/kafka-layer.md
 * describes each; the error code a limit answers with is named beside it.
 */
import type { AssignorName } from "./coordinator/model.js";

export interface GroupSettings {
  /** A member that sends no heartbeat for this long is removed (default 45 s, as Kafka). */
  readonly sessionTimeoutMs?: number;
  /** How often members are told to heartbeat (default 5 s); less than the session timeout. */
  readonly heartbeatIntervalMs?: number;
  /** How long a member may take to give up partitions, unless it asks for another (default 60 s). */
  readonly rebalanceTimeoutMs?: number;
  /** The longest rebalance timeout a member may ask for (default 10 min). */
  readonly maxRebalanceTimeoutMs?: number;
  /** The longest a heartbeat may wait for its assignment to change (default 30 s; less than the session timeout). */
  readonly maxWaitMs?: number;
  /** Most groups the server holds (default 10,000; GROUP_LIMIT_REACHED, 507). */
  readonly maxGroups?: number;
  /** Most members in one group (default 1,000; GROUP_MAX_SIZE_REACHED, 507). */
  readonly maxMembersPerGroup?: number;
  /** Largest body of a group request (default 1 MiB; PAYLOAD_TOO_LARGE, 413). */
  readonly maxBodyBytes?: number;
  /** Longest metadata string of a committed offset (default 4,096 characters, as Kafka). */
  readonly maxMetadataLength?: number;
  /** The assignor of a group whose first member names none: `uniform` (default) or `range`. */
  readonly defaultAssignor?: AssignorName;
  /** Groups that get their own lag series in /metrics: the largest lags (default 20). */
  readonly lagSeries?: number;
  /** Records in the state log past its last snapshot before it is compacted (default 10,000). */
  readonly compactAfterRecords?: number;
  /** After a failed state write, how long until the state is replayed and groups resume (default 5 s). */
  readonly recoverAfterMs?: number;
  /**
   * Topics and their partition counts, for a server without the topics feature: partition i of
   * topic t is the stream `{base}/t/i`. Ignored when a feature offers a topic directory.
   */
  readonly topics?: Readonly<Record<string, number>>;
}

export type ResolvedGroupSettings = Required<GroupSettings>;

export const GROUP_DEFAULTS: ResolvedGroupSettings = {
  sessionTimeoutMs: 45_000,
  heartbeatIntervalMs: 5_000,
  rebalanceTimeoutMs: 60_000,
  maxRebalanceTimeoutMs: 600_000,
  maxWaitMs: 30_000,
  maxGroups: 10_000,
  maxMembersPerGroup: 1_000,
  maxBodyBytes: 1 << 20,
  maxMetadataLength: 4096,
  defaultAssignor: "uniform",
  lagSeries: 20,
  compactAfterRecords: 10_000,
  recoverAfterMs: 5000,
  topics: {},
};

/** The settings with defaults filled in; throws on a value that cannot work. */
export function resolveGroupSettings(settings: GroupSettings = {}): ResolvedGroupSettings {
  const resolved: Record<string, unknown> = { ...GROUP_DEFAULTS };
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    if (!(key in GROUP_DEFAULTS)) throw new Error(`groups: unknown setting ${key}`);
    resolved[key] = check(key, value);
  }
  const result = resolved as ResolvedGroupSettings;
  if (result.heartbeatIntervalMs >= result.sessionTimeoutMs) {
    throw new Error("groups.heartbeatIntervalMs must be less than sessionTimeoutMs");
  }
  if (result.maxWaitMs >= result.sessionTimeoutMs)
    throw new Error("groups.maxWaitMs must be less than sessionTimeoutMs");
  if (result.rebalanceTimeoutMs > result.maxRebalanceTimeoutMs) {
    throw new Error("groups.rebalanceTimeoutMs must be at most maxRebalanceTimeoutMs");
  }
  return result;
}

function check(key: string, value: unknown): unknown {
  if (key === "defaultAssignor") {
    if (value !== "uniform" && value !== "range") throw new Error("groups.defaultAssignor must be uniform or range");
    return value;
  }
  if (key === "topics") {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new Error("groups.topics must be an object of topic names to partition counts");
    }
    for (const [topic, count] of Object.entries(value)) {
      if (!Number.isInteger(count) || (count as number) < 1) {
        throw new Error(`groups.topics.${topic} must be a partition count of at least 1`);
      }
    }
    return value;
  }
  const zeroAllowed = key === "lagSeries";
  if (typeof value !== "number" || !Number.isInteger(value) || value < (zeroAllowed ? 0 : 1)) {
    throw new Error(`groups.${key} must be an integer of at least ${zeroAllowed ? 0 : 1}`);
  }
  return value;
}
