/**
 * The dead-letter helper: a record whose handler kept failing goes to the dead-letter topic
 * with `original-*` and `error-*` headers, and its offset is committed — both in one
 * transaction (`POST {base}/__ds/transactions` with the DLQ append as an item and the group's
 * offset commit as the `commit` part; docs/kafka-layer.md "Participants"). Either both happen
 * or neither: a crash in between delivers the record again, and it is never dead-lettered
 * twice nor lost.
 *
 * The commit may only cover the record once every record before it in its partition is
 * finished, so the transaction waits for that; while it is out, the record counts as
 * unfinished and no other commit passes it. Each DLQ partition is written by an idempotent
 * producer (PROTOCOL §5.2.1) of this consumer's own, so a retried transaction whose answer was
 * lost writes nothing twice.
 */
import { compareOffsets } from "@rivulet/client";
import { KafkaError } from "../errors.js";
import { invalid } from "../options.js";
import { resolveTopics, whole } from "./options.js";
import type { ProcessingHost } from "./processing-host.js";
import type { DeliveredRecord } from "./record.js";

export interface DeadLetterOptions {
  topic: string;
  /** Tries of the handler before the record is dead-lettered (default 3). */
  maxAttempts?: number;
}

export function resolveDeadLetter(
  option: string | DeadLetterOptions | undefined,
): Required<DeadLetterOptions> | undefined {
  if (option === undefined) return undefined;
  const spec = typeof option === "string" ? { topic: option } : option;
  if (typeof spec !== "object" || spec === null)
    throw invalid("deadLetter", "must be a topic or { topic, maxAttempts }");
  const [topic] = resolveTopics(spec.topic);
  return { topic: topic!, maxAttempts: whole("deadLetter.maxAttempts", spec.maxAttempts, 1) ?? 3 };
}

interface TopicDescription {
  partitions: { partition: number; path: string }[];
}

export class DeadLetters<T> {
  readonly maxAttempts: number;
  readonly #topic: string;
  #paths: Promise<string[]> | undefined;
  /** This consumer's producer on each DLQ partition: an id of its own, epoch 0, the next seq. */
  readonly #producerId = `dlq-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  readonly #nextSeq = new Map<number, number>();

  constructor(
    private readonly consumer: ProcessingHost<T>,
    options: Required<DeadLetterOptions>,
  ) {
    this.#topic = options.topic;
    this.maxAttempts = options.maxAttempts;
  }

  /** Sends `record` to the DLQ and commits past it, atomically; rejects when that could not be done. */
  async send(record: DeliveredRecord, error: unknown, attempts: number): Promise<void> {
    const consumer = this.consumer;
    const partition = consumer.partitionOf(record);
    if (partition === undefined) throw revoked(record);
    // Everything before it must be finished first: the commit will cover all of it.
    await partition.finishedBefore(record);
    const paths = await this.#partitionPaths();
    const target = record.partition % paths.length;
    await consumer.committer.run(async () => {
      const membership = consumer.membership;
      if (consumer.partitionOf(record) === undefined || membership?.memberId === undefined) throw revoked(record);
      const seq = this.#nextSeq.get(target) ?? 0;
      const body = {
        items: [
          {
            path: paths[target],
            body: [envelope(record, error, attempts)],
            headers: { "Producer-Id": this.#producerId, "Producer-Epoch": "0", "Producer-Seq": String(seq) },
          },
        ],
        commit: {
          group: consumer.group,
          member_id: membership.memberId,
          member_epoch: membership.epoch,
          offsets: [{ topic: record.topic, partition: record.partition, offset: record.nextOffset }],
        },
      };
      const http = consumer.http;
      await http.call("POST", http.api("transactions"), { body, retry: true });
      this.#nextSeq.set(target, seq + 1);
      if (partition.committed === undefined || compareOffsets(partition.committed, record.nextOffset) < 0) {
        partition.committed = record.nextOffset;
      }
      consumer.emit({
        type: "consumer:commit",
        group: consumer.group,
        offsets: [{ topic: record.topic, partition: record.partition, offset: record.nextOffset }],
      });
    });
  }

  #partitionPaths(): Promise<string[]> {
    this.#paths ??= this.#describe().catch((error: unknown) => {
      this.#paths = undefined;
      throw error;
    });
    return this.#paths;
  }

  async #describe(): Promise<string[]> {
    const http = this.consumer.http;
    const answer = await http.call<TopicDescription>("GET", http.api(`topics/${encodeURIComponent(this.#topic)}`), {
      retry: true,
    });
    const rootPath = new URL(http.options.root).pathname;
    return [...answer.body.partitions]
      .sort((a, b) => a.partition - b.partition)
      .map((p) => (p.path.startsWith(`${rootPath}/`) ? p.path.slice(rootPath.length + 1) : p.path));
  }
}

/** The dead letter: the record as it was (key, value before deserializing, headers), with where it came from and why it failed. */
function envelope(record: DeliveredRecord, error: unknown, attempts: number) {
  const failure = error instanceof Error ? error : new Error(String(error));
  return {
    key: record.key,
    value: record.rawValue,
    headers: {
      ...record.headers,
      "original-topic": record.topic,
      "original-partition": String(record.partition),
      "original-offset": record.offset,
      "original-seq": String(record.seq),
      "original-timestamp": String(record.timestamp),
      "error-message": failure.message,
      "error-name": failure.name,
      "error-attempts": String(attempts),
    },
    ts: Date.now(),
  };
}

function revoked(record: DeliveredRecord): KafkaError {
  return new KafkaError(
    "PARTITION_REVOKED",
    `${record.topic}/${record.partition} was taken from this member before the record at ${record.offset} was dead-lettered`,
  );
}
