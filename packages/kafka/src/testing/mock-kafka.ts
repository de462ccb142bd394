/**
 * `MockKafka`: the SDK's interfaces (`KafkaLike`) on an in-memory broker, for applications'
 * unit tests — producers, consumers in groups, transactions and admin behave as on a server
 * (one behaviour suite runs against both), with `seed()` and `getMessages()` to set up and
 * inspect topics. Records go through the same serializers, partitioner and errors.
 */
import type { BatchConsumer, BatchConsumerOptions } from "../consumer/batch-consumer.js";
import { type ConsumerOptions, resolveConsumerOptions, resolveTopics } from "../consumer/options.js";
import type { DeliveredRecord } from "../consumer/record.js";
import { GroupCoordinatorError, KafkaError, RebalanceInProgressError } from "../errors.js";
import type { KafkaLike, KafkaProducer } from "../kafka-like.js";
import { invalid } from "../options.js";
import { choosePartition, StickyPartitioner } from "../partitioner.js";
import type { ProducerOptions } from "../producer/producer-options.js";
import { resolveProducerOptions } from "../producer/producer-options.js";
import {
  type EncodedRecord,
  encodeRecord,
  type ProducerRecord,
  type RecordMetadata,
  type SendOptions,
} from "../producer/record.js";
import { JSON_SERDE, type Serializer } from "../serialization.js";
import { checkTopicName } from "../topic-metadata.js";
import { commitPart, isCommitSource } from "../transaction/commit-part.js";
import type {
  Transaction,
  TransactionFn,
  TransactionOptions,
  TransactionResult,
  TransactionSendOptions,
} from "../transaction/transaction.js";
import { MockBroker, offsetOf, type StoredRecord, seqOf } from "./broker.js";
import { MockAdmin } from "./mock-admin.js";
import { MockConsumer, mockBatchConsumer } from "./mock-consumer.js";

/** A record as `getMessages()` lists it. */
export interface MockMessage {
  topic: string;
  partition: number;
  offset: string;
  seq: number;
  key: string | null;
  value: unknown;
  headers: Record<string, string>;
  timestamp: number;
}

interface Placed {
  topic: string;
  partition: number;
  record: Omit<StoredRecord, "seq" | "order" | "timestamp">;
}

export class MockKafka implements KafkaLike {
  readonly broker = new MockBroker();

  producer<T = unknown>(topic: string, options: ProducerOptions<T> = {}): KafkaProducer<T> {
    checkTopicName(topic);
    resolveProducerOptions(options as ProducerOptions<unknown>, { retries: 0, retryBackoffMs: 1 });
    const serializer = options.serializer ?? (JSON_SERDE as Serializer<T>);
    const sticky = new StickyPartitioner(options.stickyBatchBytes ?? 16_384);
    let closed = false;
    const write = (records: readonly ProducerRecord<T>[]): RecordMetadata[] => {
      if (closed) throw new KafkaError("PRODUCER_CLOSED", `The producer of topic ${topic} is closed`);
      const placed = records.map((r) => this.#place(topic, encodeRecord(topic, r.value, r, serializer), sticky));
      return this.#append(placed);
    };
    return {
      topic,
      send: async (value, sendOptions?: SendOptions) => write([{ ...sendOptions, value }])[0]!,
      sendBatch: async (records) => {
        if (!Array.isArray(records)) throw invalid("records", "must be an array of { value, key, headers, partition }");
        return write(records);
      },
      flush: async () => {},
      close: async () => {
        closed = true;
      },
    };
  }

  consumer<T = unknown>(topic: string | readonly string[], options: ConsumerOptions<T>): MockConsumer<T> {
    return new MockConsumer<T>(this.broker, resolveTopics(topic), resolveConsumerOptions(options), (consumer, dlq) => ({
      maxAttempts: dlq.maxAttempts,
      send: async (record: DeliveredRecord, error: unknown, attempts: number) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        const headers = {
          ...record.headers,
          "original-topic": record.topic,
          "original-partition": String(record.partition),
          "original-offset": record.offset,
          "original-seq": String(record.seq),
          "original-timestamp": String(record.timestamp),
          "error-message": failure.message,
          "error-name": failure.name,
          "error-attempts": String(attempts),
        };
        const encoded = encodeRecord(dlq.topic, record.rawValue, { key: record.key, headers }, JSON_SERDE);
        const placed = this.#place(dlq.topic, encoded, new StickyPartitioner(16_384));
        // Checked before either step, so the send and the commit happen together or not at all.
        consumer.transactionCommit();
        this.#append([placed]);
        consumer.commitThrough(record);
      },
    }));
  }

  batchConsumer<T = unknown>(
    topic: string | readonly string[],
    options: BatchConsumerOptions<T>,
  ): BatchConsumer<T, MockConsumer<T>> {
    return mockBatchConsumer(this.consumer<T>(topic, options), options);
  }

  async transaction<R>(
    topics: string | readonly string[],
    fn: TransactionFn<R>,
    options: TransactionOptions = {},
  ): Promise<TransactionResult<R>> {
    const names = (typeof topics === "string" ? [topics] : [...topics]).map((t) => checkTopicName(t));
    if (names.length === 0) throw invalid("topics", "must name at least one topic");
    if (typeof fn !== "function") throw invalid("fn", "must be a function");
    const serializer = (options.serializer ?? JSON_SERDE) as Serializer;
    const sticky = new StickyPartitioner(Number.POSITIVE_INFINITY);
    const placed: Placed[] = [];
    let commit: ReturnType<typeof commitPart> | undefined;
    let open = true;
    const tx: Transaction = {
      send: async (value, sendOptions: TransactionSendOptions = {}) => {
        if (!open) throw invalid("tx.send", "was called after the transaction function returned");
        const topic = sendOptions.topic ?? names[0]!;
        if (!names.includes(topic)) {
          throw invalid("topic", `${topic} is not one of this transaction's topics (${names.join(", ")})`);
        }
        placed.push(this.#place(topic, encodeRecord(topic, value, sendOptions, serializer), sticky));
      },
      commitOffsets: async (source) => {
        if (!open) throw invalid("tx.commitOffsets", "was called after the transaction function returned");
        if (commit !== undefined) throw invalid("tx.commitOffsets", "may be called once per transaction");
        commit = commitPart(isCommitSource(source) ? await source.transactionCommit() : source);
      },
    };
    let value: R;
    try {
      value = await fn(tx);
    } finally {
      open = false;
    }
    if (commit !== undefined) this.#checkCommit(commit);
    const records = this.#append(placed);
    if (commit !== undefined) {
      const group = this.broker.group(commit.group, true);
      for (const o of commit.offsets) group.offsets.set(`${o.topic}/${o.partition}`, seqOf(o.offset));
    }
    return { value, records, ...(commit === undefined ? {} : { commit: { offsets: commit.offsets } }) };
  }

  admin(): MockAdmin {
    return new MockAdmin(this.broker);
  }

  /** Appends `values` to `topic` (created with one partition if missing), as a producer would without keys. */
  seed(topic: string, values: readonly unknown[]): RecordMetadata[] {
    if (!this.broker.topics.has(topic)) this.broker.createTopic(topic, { partitions: 1 });
    const sticky = new StickyPartitioner(Number.POSITIVE_INFINITY);
    return this.#append(values.map((value) => this.#place(topic, encodeRecord(topic, value, {}, JSON_SERDE), sticky)));
  }

  /** Every record of `topic`, in the order they were appended. */
  getMessages(topic: string): MockMessage[] {
    const stored = this.broker.topic(topic);
    return stored.partitions
      .flatMap((log, partition) => log.map((record) => ({ partition, record })))
      .sort((a, b) => a.record.order - b.record.order)
      .map(({ partition, record }) => ({
        topic,
        partition,
        offset: offsetOf(record.seq),
        seq: record.seq,
        key: record.key,
        value: structuredClone(record.value),
        headers: { ...record.headers },
        timestamp: record.timestamp,
      }));
  }

  #place(topic: string, encoded: EncodedRecord, sticky: StickyPartitioner): Placed {
    const partitions = this.broker.topic(topic).partitions.length;
    if (encoded.partition !== undefined) this.broker.partition(topic, encoded.partition);
    const partition = choosePartition(encoded, partitions, sticky, encoded.bytes);
    const envelope = JSON.parse(encoded.text) as {
      key: string | null;
      value: unknown;
      headers: Record<string, string>;
      ts: number;
    };
    return {
      topic,
      partition,
      record: { key: envelope.key, value: envelope.value, headers: envelope.headers, eventTime: envelope.ts },
    };
  }

  #append(placed: readonly Placed[]): RecordMetadata[] {
    return this.broker.append(placed).map((stored, i) => ({
      topic: placed[i]!.topic,
      partition: placed[i]!.partition,
      offset: offsetOf(stored.seq),
      nextOffset: offsetOf(stored.seq + 1),
      seq: stored.seq,
      timestamp: stored.timestamp,
    }));
  }

  /** A commit by a member must come from a current member of the group. */
  #checkCommit(commit: ReturnType<typeof commitPart>): void {
    if (commit.member_id === undefined) {
      const group = this.broker.groups.get(commit.group);
      if (group !== undefined && group.members.size > 0) {
        throw new GroupCoordinatorError("GROUP_NOT_EMPTY", `Group ${commit.group} has members: commit as one of them`);
      }
      return;
    }
    const member = this.broker.group(commit.group).members.get(commit.member_id);
    if (member === undefined) {
      throw new GroupCoordinatorError("UNKNOWN_MEMBER_ID", `${commit.member_id} is not a member of ${commit.group}`);
    }
    if (member.epoch !== commit.member_epoch) {
      throw new RebalanceInProgressError("STALE_MEMBER_EPOCH", `Epoch ${commit.member_epoch} is not the member's`);
    }
  }
}
