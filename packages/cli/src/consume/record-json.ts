/** A consumed record as `rivulet consume` prints it and hands it to a command: one JSON line. */
import type { ConsumerRecord } from "@rivulet/kafka";

export function recordJson(record: ConsumerRecord, valuesOnly: boolean): string {
  if (valuesOnly) return JSON.stringify(record.value);
  return JSON.stringify({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    nextOffset: record.nextOffset,
    seq: record.seq,
    key: record.key,
    value: record.value,
    headers: record.headers,
    timestamp: record.timestamp,
    ...(record.eventTime !== undefined && { eventTime: record.eventTime }),
  });
}

/** What the command sees of its record in its environment. */
export function recordEnv(record: ConsumerRecord, group: string): Record<string, string> {
  return {
    RIVULET_GROUP: group,
    RIVULET_TOPIC: record.topic,
    RIVULET_PARTITION: String(record.partition),
    RIVULET_OFFSET: record.offset,
    RIVULET_NEXT_OFFSET: record.nextOffset,
    RIVULET_SEQ: String(record.seq),
    RIVULET_TIMESTAMP: String(record.timestamp),
    RIVULET_HEADERS: JSON.stringify(record.headers),
    ...(record.key !== null && { RIVULET_KEY: record.key }),
  };
}
