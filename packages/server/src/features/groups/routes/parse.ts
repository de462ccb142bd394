/**
 * Shapes of group request bodies and parameters, checked field by field: a bad one is
 * INVALID_GROUP_REQUEST with a message naming the field (docs/kafka-layer.md).
 */
import { ProtocolError, parsePosition } from "@rivulet/protocol";
import { ASSIGNORS, type AssignorName, type PartitionKey, partitionKey } from "../coordinator/model.js";
import type { HeartbeatRequest } from "../coordinator/requests.js";
import type { ResolvedGroupSettings } from "../settings.js";
import { invalid } from "./http.js";

/** Group ids, member ids and instance ids: URL-safe, as Kafka's topic names. */
const NAME = /^[A-Za-z0-9._-]+$/;
const MAX_NAME = 249;
const MAX_MEMBER_ID = 64;
const MAX_TOPICS = 1000;
const MAX_PARTITION = 1_000_000;
export const MAX_OFFSETS = 10_000;

export function groupId(raw: string | undefined): string {
  if (raw === undefined || raw.length > MAX_NAME || !NAME.test(raw)) {
    throw invalid(`A group id is 1-${MAX_NAME} characters of A-Z a-z 0-9 . _ -`);
  }
  return raw;
}

export function parseHeartbeat(body: Record<string, unknown>, settings: ResolvedGroupSettings): HeartbeatRequest {
  const memberEpoch = body.member_epoch;
  if (!Number.isSafeInteger(memberEpoch) || (memberEpoch as number) < -2) {
    throw invalid(
      "member_epoch must be an integer: 0 to join, -1 to leave, -2 to leave for now, else the current epoch",
    );
  }
  const memberId = optionalName(body.member_id, "member_id", MAX_MEMBER_ID);
  if (memberId === undefined && memberEpoch !== 0) throw invalid("member_id is required unless member_epoch is 0");
  const topics = body.topics === undefined ? undefined : topicList(body.topics);
  if (topics === undefined && memberEpoch === 0) throw invalid("topics is required to join (member_epoch 0)");
  return {
    memberId,
    memberEpoch: memberEpoch as number,
    instanceId: optionalName(body.instance_id, "instance_id", MAX_NAME),
    topics,
    owned: body.owned === undefined ? undefined : ownedSet(body.owned),
    assignor: assignor(body.assignor),
    rebalanceTimeoutMs: rebalanceTimeout(body.rebalance_timeout_ms, settings),
  };
}

export function waitMs(raw: string | null, settings: ResolvedGroupSettings): number {
  if (raw === null) return 0;
  const ms = Number(raw);
  if (raw === "" || !Number.isInteger(ms) || ms < 0 || ms > settings.maxWaitMs) {
    throw invalid(`wait_ms must be an integer from 0 to ${settings.maxWaitMs}`);
  }
  return ms;
}

/** A topic name: 1-249 characters, no control characters (the topic directory decides which exist). */
export function topicName(value: unknown, field: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (typeof value !== "string" || value === "" || value.length > MAX_NAME || /[\u0000-\u001f]/.test(value)) {
    throw invalid(`${field} must be a topic name of 1-${MAX_NAME} characters`);
  }
  return value;
}

export function partitionNumber(value: unknown, field: string): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) >= MAX_PARTITION) {
    throw invalid(`${field} must be a partition number (an integer of at least 0)`);
  }
  return value as number;
}

/** A Durable Streams offset this server minted. */
export function offsetToken(value: unknown, field: string): string {
  if (typeof value !== "string" || parsePosition(value) === undefined) {
    throw new ProtocolError("INVALID_OFFSET", `${field} must be an offset of the partition's stream`);
  }
  return value;
}

function topicList(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_TOPICS)
    throw invalid(`topics must be an array of at most ${MAX_TOPICS} topic names`);
  return [...new Set(value.map((topic, i) => topicName(topic, `topics[${i}]`)))].sort();
}

/** `{"orders": [0, 2]}`: the partitions the member consumes now. */
function ownedSet(value: unknown): Set<PartitionKey> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid('owned must be an object of topic names to partition arrays, e.g. {"orders":[0,2]}');
  }
  const owned = new Set<PartitionKey>();
  for (const [topic, partitions] of Object.entries(value)) {
    topicName(topic, "owned");
    if (!Array.isArray(partitions)) throw invalid(`owned.${topic} must be an array of partition numbers`);
    for (const partition of partitions) owned.add(partitionKey(topic, partitionNumber(partition, `owned.${topic}`)));
  }
  return owned;
}

function optionalName(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length > max || !NAME.test(value)) {
    throw invalid(`${field} must be 1-${max} characters of A-Z a-z 0-9 . _ -`);
  }
  return value;
}

function assignor(value: unknown): AssignorName | undefined {
  if (value === undefined || value === null) return undefined;
  if (!ASSIGNORS.includes(value as AssignorName)) throw invalid(`assignor must be one of ${ASSIGNORS.join(", ")}`);
  return value as AssignorName;
}

function rebalanceTimeout(value: unknown, settings: ResolvedGroupSettings): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || (value as number) < 1000 || (value as number) > settings.maxRebalanceTimeoutMs) {
    throw invalid(`rebalance_timeout_ms must be an integer from 1000 to ${settings.maxRebalanceTimeoutMs}`);
  }
  return value as number;
}
