/**
 * Restoring a store partition: its changelog partition (`<app>-<store>-changelog`, compacted)
 * read from the start to its tail, each record a key and its latest value (null: deleted).
 */
import { stream } from "@rivulet/client";
import { envelopeOf } from "../consumer/record.js";
import type { StreamsKafka as Kafka } from "./host-kafka.js";
import type { StateStore } from "./store.js";

export async function restoreStore(
  kafka: Kafka,
  topic: string,
  store: Pick<StateStore, "partition" | "restore">,
  signal?: AbortSignal,
): Promise<void> {
  const layout = await kafka.topics.layout(topic, signal);
  const options = kafka.http.options;
  const response = await stream({
    url: kafka.http.stream(layout.paths[store.partition]!),
    offset: "earliest",
    records: true,
    live: false,
    contentType: "application/json",
    fetch: options.fetch,
    headers: {
      ...options.headers,
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    },
    timeoutMs: options.timeoutMs,
    ...(signal === undefined ? {} : { signal }),
  });
  for await (const batch of response) {
    for (const record of batch.records ?? []) {
      const envelope = envelopeOf(record.value);
      if (envelope.key !== null) store.restore(envelope.key, envelope.value);
    }
  }
}
