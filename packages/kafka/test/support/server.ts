/**
 * A Rivulet server in-process for the SDK's tests (memory store unless a test needs durability),
 * with short group timings so rebalances and expiries happen within a test, and helpers that
 * talk to its topic API directly (not through the SDK under test).
 */
import { type ListenOptions, MemoryStore, type RivuletServer, startServer } from "@rivulet/server";
import { Kafka, type KafkaOptions } from "../../src/index.js";

export interface TestServer {
  readonly server: RivuletServer;
  /** The server's origin (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** Its stream root, `{base}`. */
  readonly base: string;
  /** A Kafka object on this server. */
  kafka(options?: KafkaOptions): Kafka;
  close(): Promise<void>;
}

let counter = 0;

export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function startTestServer(options: ListenOptions = {}): Promise<TestServer> {
  const server = await startServer({
    port: 0,
    store: new MemoryStore(),
    longPollTimeoutMs: 1_000,
    ...options,
    groups: { heartbeatIntervalMs: 500, sessionTimeoutMs: 6_000, maxWaitMs: 2_000, ...options.groups },
  });
  return {
    server,
    url: server.url,
    base: `${server.url}/v1/stream`,
    kafka: (kafkaOptions = {}) => new Kafka({ url: server.url, retryBackoffMs: 5, ...kafkaOptions }),
    close: () => server.close(),
  };
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${base}/__ds/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === "" ? undefined : JSON.parse(text);
}

export async function createTopic(base: string, name: string, partitions: number): Promise<void> {
  await call(base, "PUT", `topics/${name}`, { partitions });
}

export interface ProducedRecord {
  key?: string | null;
  value: unknown;
  partition?: number;
  headers?: Record<string, string>;
}

export interface Produced {
  partition: number;
  offset: string;
  next_offset: string;
  seq: number;
}

/** Writes records through the keyed-produce endpoint; answers where each landed. */
export async function produce(base: string, topic: string, records: ProducedRecord[]): Promise<Produced[]> {
  const answer = (await call(base, "POST", `topics/${topic}/records`, records)) as { records: Produced[] };
  return answer.records;
}

export interface GroupOffset {
  topic: string;
  partition: number;
  committed: { offset: string; seq: number | null } | null;
}

export async function groupOffsets(base: string, group: string): Promise<GroupOffset[]> {
  const answer = (await call(base, "GET", `groups/${group}/offsets`)) as { offsets: GroupOffset[] };
  return answer.offsets;
}

export async function describeGroup(base: string, group: string): Promise<{ state: string; member_count: number }> {
  return (await call(base, "GET", `groups/${group}`)) as { state: string; member_count: number };
}

/** Reads every record of a partition stream (catch-up, records view). */
export async function readPartition(
  base: string,
  topic: string,
  partition: number,
): Promise<{ seq: number; value: unknown }[]> {
  const response = await fetch(`${base}/topics/${topic}/${partition}?offset=-1&view=records`);
  return (await response.json()) as { seq: number; value: unknown }[];
}

/** Polls `condition` until it holds (or fails after `timeoutMs`): for state only visible by asking. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every record of a partition through the records view: `{ offset, next_offset, seq, ts, value }`. */
export async function partitionRecords(
  url: string,
  topic: string,
  partition: number,
): Promise<{ offset: string; next_offset: string; seq: number; ts: number; value: Record<string, unknown> }[]> {
  const response = await fetch(`${url}/v1/stream/topics/${topic}/${partition}?offset=-1&view=records`);
  if (!response.ok) throw new Error(`reading ${topic}/${partition}: ${response.status}`);
  return (await response.json()) as never;
}
