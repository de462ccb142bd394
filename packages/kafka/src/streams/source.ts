/**
 * `kafka.stream(topic, options)`: a source stream of the application `options.applicationId`.
 * Streams made with the same application id (before it starts) belong to one topology, so they
 * can be merged; once started, the same id makes a new instance of the application (another
 * member of its group).
 */

import { whole } from "../consumer/options.js";
import { invalid } from "../options.js";
import { checkTopicName } from "../topic-metadata.js";
import { StreamApp } from "./app.js";
import type { StreamsKafka as Kafka } from "./host-kafka.js";
import { type Processing, Runtime } from "./runtime.js";
import { GlobalTable, Stream, type StreamHost } from "./stream.js";
import { type TimestampExtractor, Topology } from "./topology.js";

export interface StreamOptions {
  /** Names the consumer group and the internal topics (`<applicationId>-<name>-repartition`, `…-changelog`). */
  applicationId: string;
  /** Where a partition without a committed offset starts (default "latest"). */
  offset?: "earliest" | "latest";
  /** Default "exactly-once"; "at-least-once" skips the transaction per step (outputs may repeat after a crash). */
  processing?: Processing;
  /** Event time from the value, instead of the envelope's `ts`. */
  timestamp?: TimestampExtractor;
  /** Keys per store and partition before writes fail with STATE_STORE_FULL (default 100,000). */
  maxStoreEntries?: number;
  /** Records per step (one transaction) at most (default 500). */
  maxBatchRecords?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

const hosts = new WeakMap<Kafka, Map<string, StreamHost & { launched: boolean }>>();

export function sourceStream<V>(kafka: Kafka, topic: string, options: StreamOptions): Stream<V> {
  checkTopicName(topic);
  const host = hostOf(kafka, options);
  if (options.timestamp !== undefined) host.topology.extractors.set(topic, options.timestamp);
  return new Stream<V>(host, host.topology.source(topic));
}

/** A compacted topic every instance of the application reads whole, for `stream.joinTable(…)`. */
export function globalTable<T>(kafka: Kafka, topic: string, options: StreamOptions): GlobalTable<T> {
  return new GlobalTable<T>(hostOf(kafka, options), topic);
}

function hostOf(kafka: Kafka, options: StreamOptions): StreamHost {
  if (typeof options !== "object" || options === null) throw invalid("options", "needs { applicationId }");
  const { applicationId } = options;
  if (typeof applicationId !== "string" || !/^[A-Za-z0-9._-]{1,200}$/.test(applicationId)) {
    throw invalid("applicationId", `must be 1-200 of A-Z a-z 0-9 . _ -, got ${JSON.stringify(applicationId)}`);
  }
  const offset = options.offset ?? "latest";
  if (offset !== "earliest" && offset !== "latest") throw invalid("offset", `must be "earliest" or "latest"`);
  const processing = options.processing ?? "exactly-once";
  if (processing !== "exactly-once" && processing !== "at-least-once") {
    throw invalid("processing", `must be "exactly-once" or "at-least-once", got ${JSON.stringify(processing)}`);
  }
  if (options.timestamp !== undefined && typeof options.timestamp !== "function") {
    throw invalid("timestamp", "must be a function (value, record) => ms");
  }
  const settings = {
    offset,
    processing,
    maxStoreEntries: whole("maxStoreEntries", options.maxStoreEntries, 1) ?? 100_000,
    maxBatchRecords: whole("maxBatchRecords", options.maxBatchRecords, 1) ?? 500,
    sessionTimeoutMs: whole("sessionTimeoutMs", options.sessionTimeoutMs, 1),
    heartbeatIntervalMs: whole("heartbeatIntervalMs", options.heartbeatIntervalMs, 1),
  } as const;

  let apps = hosts.get(kafka);
  if (apps === undefined) {
    apps = new Map();
    hosts.set(kafka, apps);
  }
  let host = apps.get(applicationId);
  if (host === undefined || host.launched) {
    const topology = new Topology(applicationId);
    let app: StreamApp | undefined;
    const made: StreamHost & { launched: boolean } = {
      topology,
      launched: false,
      launch: () => {
        made.launched = true;
        app ??= new StreamApp(new Runtime(kafka, topology, settings));
        return app;
      },
    };
    host = made;
    apps.set(applicationId, host);
  }
  return host;
}
