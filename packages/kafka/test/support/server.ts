/** A Rivulet server in-process for the SDK's tests (memory store unless a test asks otherwise). */
import { type ListenOptions, MemoryStore, type RivuletServer, startServer } from "@rivulet/server";
import { Kafka, type KafkaOptions } from "../../src/index.js";

export interface TestServer {
  readonly server: RivuletServer;
  readonly url: string;
  /** A Kafka object on this server. */
  kafka(options?: KafkaOptions): Kafka;
  close(): Promise<void>;
}

let counter = 0;

/** A topic (or group) name unique to this run. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function startTestServer(options: ListenOptions = {}): Promise<TestServer> {
  const server = await startServer({ port: 0, store: new MemoryStore(), longPollTimeoutMs: 500, ...options });
  return {
    server,
    url: server.url,
    kafka: (kafkaOptions = {}) => new Kafka({ url: server.url, retryBackoffMs: 5, ...kafkaOptions }),
    close: () => server.close(),
  };
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
