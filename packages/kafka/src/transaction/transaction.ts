/**
 * `kafka.transaction(topics, async (tx) => …)`: `tx.send()` buffers records (serialized and
 * partitioned at once, so a bad value fails the function, not the commit), `tx.commitOffsets()`
 * adds a group's offsets, and when the function returns everything is written in one
 * `POST {base}/__ds/transactions` — all of it or nothing. If the function throws, nothing is
 * sent at all: there is nothing to abort on the server, and nothing a reader could ever see.
 */
import type { Kafka } from "../kafka.js";
import { invalid } from "../options.js";
import { choosePartition, StickyPartitioner } from "../partitioner.js";
import { type EncodedRecord, encodeRecord, type RecordMetadata, type SendOptions } from "../producer/record.js";
import { recordOffsets } from "../producer/record-offset.js";
import { JSON_SERDE, type Serializer } from "../serialization.js";
import { checkTopicName } from "../topic-metadata.js";
import {
  type CommitSource,
  commitPart,
  isCommitSource,
  type TransactionCommit,
  type WireCommitPart,
} from "./commit-part.js";
import type { ItemResult, TransactionItem, TransactionWriter } from "./writer.js";

export interface TransactionSendOptions extends SendOptions {
  /** One of the transaction's topics (default: its first). */
  topic?: string;
}

export interface Transaction {
  /** Buffers a record; it is written when the transaction function returns. */
  send(value: unknown, options?: TransactionSendOptions): Promise<void>;
  /** Commits a group's offsets with the records (exactly-once consume-process-produce). */
  commitOffsets(commit: TransactionCommit | CommitSource): Promise<void>;
}

export type TransactionFn<R> = (tx: Transaction) => Promise<R> | R;

export interface TransactionResult<R> {
  /** What the function returned. */
  value: R;
  /** Where each sent record landed, in the order of the sends. */
  records: RecordMetadata[];
  /** The group commit's answer from the server, when the transaction committed offsets. */
  commit?: unknown;
}

export interface TransactionOptions {
  /** Serializer of the values sent (default JSON). */
  serializer?: Serializer;
  signal?: AbortSignal;
}

interface Buffered {
  topic: string;
  partition: number;
  record: EncodedRecord;
}

export async function runTransaction<R>(
  kafka: Kafka,
  writer: TransactionWriter,
  topicOrTopics: string | readonly string[],
  fn: TransactionFn<R>,
  options: TransactionOptions = {},
): Promise<TransactionResult<R>> {
  const topics = (typeof topicOrTopics === "string" ? [topicOrTopics] : [...topicOrTopics]).map((t) =>
    checkTopicName(t),
  );
  if (topics.length === 0) throw invalid("topics", "must name at least one topic");
  if (typeof fn !== "function") throw invalid("fn", "must be a function");
  const serializer = (options.serializer ?? JSON_SERDE) as Serializer;
  const started = Date.now();
  // Slots keep the records in the order of the sends, whichever partition lookup ends first.
  const slots: Promise<Buffered>[] = [];
  let commit: WireCommitPart | undefined;
  let commitPending: Promise<void> | undefined;
  const sticky = new StickyPartitioner(Number.POSITIVE_INFINITY);
  let open = true;

  const tx: Transaction = {
    send(value, sendOptions = {}) {
      if (!open) return Promise.reject(invalid("tx.send", "was called after the transaction function returned"));
      const topic = sendOptions.topic ?? topics[0]!;
      const slot = (async (): Promise<Buffered> => {
        if (!topics.includes(topic))
          throw invalid("topic", `${topic} is not one of this transaction's topics (${topics.join(", ")})`);
        const record = encodeRecord(topic, value, sendOptions, serializer);
        const layout =
          record.partition === undefined
            ? await kafka.topics.layout(topic, options.signal)
            : await kafka.topics.withPartition(topic, record.partition, options.signal);
        return { topic, partition: choosePartition(record, layout.partitions, sticky, record.bytes), record };
      })();
      slots.push(slot);
      return slot.then(() => undefined);
    },
    commitOffsets(source) {
      if (!open)
        return Promise.reject(invalid("tx.commitOffsets", "was called after the transaction function returned"));
      if (commitPending !== undefined)
        return Promise.reject(invalid("tx.commitOffsets", "may be called once per transaction"));
      commitPending = (async () => {
        commit = commitPart(isCommitSource(source) ? await source.transactionCommit() : source);
      })();
      return commitPending;
    },
  };

  let value: R;
  let buffered: Buffered[];
  try {
    value = await fn(tx);
    // Sends the function did not await still count; any that failed fails the transaction.
    buffered = await Promise.all(slots);
    await commitPending;
  } catch (error) {
    // Unawaited sends must not end as unhandled rejections: the transaction's error is the one.
    for (const slot of slots) slot.catch(() => {});
    commitPending?.catch(() => {});
    kafka.events.emit({
      type: "transaction",
      topics,
      records: 0,
      offsets: 0,
      outcome: "aborted",
      durationMs: Date.now() - started,
    });
    throw error;
  } finally {
    open = false;
  }
  if (buffered.length === 0 && commit === undefined) return { value, records: [] };

  const items = await itemsOf(kafka, buffered);
  const offsets = commit?.offsets.length ?? 0;
  const attributes = {
    "messaging.destination.name": topics.join(","),
    "messaging.batch.message_count": buffered.length,
  };
  try {
    const answer = await kafka.tracing.span("transaction", attributes, () =>
      writer.write(
        items.map((i) => i.item),
        commit,
        options.signal,
      ),
    );
    const records = metadataOf(buffered, items, answer.items);
    kafka.events.emit({
      type: "transaction",
      topics,
      records: buffered.length,
      offsets,
      outcome: "committed",
      durationMs: Date.now() - started,
    });
    if (commit !== undefined) {
      kafka.events.emit({
        type: "commit",
        group: commit.group,
        offsets: commit.offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
      });
    }
    return { value, records, ...(commit === undefined ? {} : { commit: answer.commit }) };
  } catch (error) {
    kafka.events.emit({
      type: "transaction",
      topics,
      records: buffered.length,
      offsets,
      outcome: "refused",
      durationMs: Date.now() - started,
    });
    throw error;
  }
}

interface PlannedItem {
  item: TransactionItem;
  /** Indices into the buffered records, in order within the item. */
  records: number[];
}

/** One item per partition stream, its records in send order. */
async function itemsOf(kafka: Kafka, buffered: readonly Buffered[]): Promise<PlannedItem[]> {
  const byPath = new Map<string, PlannedItem>();
  for (const [index, { topic, partition, record }] of buffered.entries()) {
    const path = (await kafka.topics.layout(topic)).paths[partition]!;
    let planned = byPath.get(path);
    if (planned === undefined) {
      planned = { item: { path, texts: [] }, records: [] };
      byPath.set(path, planned);
    }
    planned.item.texts.push(record.text);
    planned.records.push(index);
  }
  return [...byPath.values()];
}

function metadataOf(
  buffered: readonly Buffered[],
  items: readonly PlannedItem[],
  results: readonly ItemResult[],
): RecordMetadata[] {
  const metadata: RecordMetadata[] = new Array(buffered.length);
  items.forEach((planned, i) => {
    const result = results[i];
    const count = planned.records.length;
    let bytesFromHere = planned.records.reduce((n, index) => n + buffered[index]!.record.bytes, 0);
    planned.records.forEach((index, k) => {
      const { topic, partition, record } = buffered[index]!;
      const offsets = recordOffsets(result?.next_offset, bytesFromHere, count - k, record.bytes);
      bytesFromHere -= record.bytes;
      metadata[index] = {
        topic,
        partition,
        ...offsets,
        seq: result?.seq === undefined ? undefined : result.seq + k,
        timestamp: result?.timestamp,
        ...(result?.written === false ? { duplicate: true } : {}),
      };
    });
  });
  return metadata;
}
