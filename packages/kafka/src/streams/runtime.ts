/**
 * Running a topology on a server. The application id is the consumer group, which reads the
 * source topics and the internal repartition topics; the group protocol shares their
 * partitions out among the application's processes, and each process keeps (and restores from
 * the changelogs) the state of the partitions it owns.
 *
 * A step takes the records of one partition ready now, runs them through the topology, and then — under
 * exactly-once — writes its outputs, the repartitioned records, the store changes and the
 * consumer's offsets in ONE transaction (`kafka.transaction` with the consumer as its commit
 * source, as the dead-letter helper does; docs/kafka-layer.md "Participants"): a crash before
 * it commits leaves nothing, and the records are processed again from restored state; after
 * it, nothing is processed twice. Under at-least-once the outputs are sent by idempotent
 * producers and the offsets committed after them: cheaper (no transaction per step), but a
 * crash between the two processes the step's records again, so outputs may repeat.
 */

import type { Consumer } from "../consumer/consumer.js";
import type { ConsumerRecord } from "../consumer/record.js";
import { KafkaError, RebalanceInProgressError, TransactionConflictError } from "../errors.js";
import type { Producer } from "../producer/producer.js";
import type { AppRunner } from "./app.js";
import { restoreStore } from "./changelog.js";
import { describeTopic } from "./describe.js";
import { DescribePublisher } from "./describe-topic.js";
import { Engine } from "./engine.js";
import { GlobalTableReader } from "./global-table.js";
import type { StreamsKafka as Kafka } from "./host-kafka.js";
import { stepCommit } from "./step-commit.js";
import type { OutgoingRecord, Topology } from "./topology.js";

export type Processing = "exactly-once" | "at-least-once";

export interface RuntimeSettings {
  offset: "earliest" | "latest";
  processing: Processing;
  maxStoreEntries: number;
  /** Records taken into one step (one transaction) at most. */
  maxBatchRecords: number;
  sessionTimeoutMs: number | undefined;
  heartbeatIntervalMs: number | undefined;
}

export class Runtime implements AppRunner {
  readonly #engine: Engine;
  readonly #producers = new Map<string, Producer>();
  #consumer: Consumer | undefined;
  readonly #tables: GlobalTableReader[] = [];
  #loop: Promise<void> | undefined;
  #describer: DescribePublisher | undefined;
  #stopping = false;
  #failure: unknown;
  readonly #done: Promise<void>;
  #settle!: (error?: unknown) => void;

  constructor(
    private readonly kafka: Kafka,
    private readonly topology: Topology,
    private readonly settings: RuntimeSettings,
  ) {
    this.#engine = new Engine(topology, settings.maxStoreEntries);
    this.#done = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.#done.catch(() => {});
  }

  get done(): Promise<void> {
    return this.#done;
  }

  get lateRecords(): number {
    return this.#engine.lateRecords;
  }

  async start(): Promise<void> {
    try {
      await this.#createInternalTopics();
      for (const topic of this.topology.globalTables) {
        const reader = new GlobalTableReader(this.kafka, topic, this.#engine.table(topic), (error) =>
          this.#fail(error),
        );
        this.#tables.push(reader);
        await reader.start();
      }
      if (this.settings.offset === "latest") await this.#startSourcesAtTail();
      const consumer = this.#newConsumer();
      this.#consumer = consumer;
      this.#describer = new DescribePublisher(this.kafka, this.topology, () => this.#consumer, this.#engine.stores);
      await consumer.start();
      this.#describer.start();
      this.#loop = this.#run();
    } catch (error) {
      await Promise.allSettled(this.#tables.map((t) => t.stop()));
      this.#settle(error);
      throw error;
    }
  }

  #newConsumer(): Consumer {
    const inputs = [...this.topology.sources.keys()];
    return this.kafka.consumer(inputs, {
      group: this.topology.applicationId,
      // Internal topics are always read from their start: a repartition partition that moves
      // before its first commit must not skip what was written to it. "latest" for the source
      // topics is done by #startSourcesAtTail.
      offset: "earliest",
      autoCommit: false,
      maxPollRecords: this.settings.maxBatchRecords,
      ...(this.settings.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: this.settings.sessionTimeoutMs }),
      ...(this.settings.heartbeatIntervalMs === undefined
        ? {}
        : { heartbeatIntervalMs: this.settings.heartbeatIntervalMs }),
      onAssigned: async (partitions) => {
        await this.#restore(partitions);
        void this.#describer?.publish();
      },
      onRevoked: (partitions) => {
        for (const { topic, partition } of partitions) {
          for (const store of this.topology.storesOf(topic)) this.#engine.stores.drop(store, partition);
        }
        void this.#describer?.publish();
      },
    });
  }

  async close(): Promise<void> {
    this.#stopping = true;
    await this.#describer?.stop();
    await this.#consumer?.close();
    await this.#loop;
    // A rejoin (#rejoin) may have put a new consumer in place meanwhile.
    await this.#consumer?.close();
    await Promise.allSettled([...this.#producers.values()].map((p) => p.close()));
    await Promise.allSettled(this.#tables.map((t) => t.stop()));
    this.#settle(this.#failure);
  }

  /** Repartition topics with as many partitions as the widest source; changelogs compacted, one partition per task partition. */
  async #createInternalTopics(): Promise<void> {
    const admin = this.kafka.admin();
    let partitions = 1;
    for (const topic of this.topology.topicsOf("source")) {
      partitions = Math.max(partitions, (await this.kafka.topics.layout(topic)).partitions);
    }
    for (const topic of this.topology.topicsOf("repartition")) await admin.createTopic(topic, { partitions });
    for (const topic of this.topology.topicsOf("changelog")) {
      await admin.createTopic(topic, { partitions, cleanupPolicy: "compact" });
    }
    await admin.createTopic(describeTopic(this.topology.applicationId), { partitions: 1, cleanupPolicy: "compact" });
  }

  /**
   * `offset: "latest"` for the source topics only: a source the group has never committed
   * offsets for is moved to its tail before joining. A `GROUP_NOT_EMPTY` refusal means another
   * instance is already running, and has done it.
   */
  async #startSourcesAtTail(): Promise<void> {
    const admin = this.kafka.admin();
    const group = this.topology.applicationId;
    let committed: Set<string>;
    try {
      const described = await admin.describeGroup(group);
      committed = new Set(described.partitions.filter((p) => p.committedOffset !== null).map((p) => p.topic));
    } catch (error) {
      if (!(error instanceof KafkaError && error.code === "GROUP_NOT_FOUND")) throw error;
      committed = new Set();
    }
    for (const topic of this.topology.topicsOf("source")) {
      if (committed.has(topic)) continue;
      try {
        await admin.resetOffsets(group, topic, "latest");
      } catch (error) {
        if (!(error instanceof KafkaError && error.code === "GROUP_NOT_EMPTY")) throw error;
      }
    }
  }

  /** Before a newly owned partition is fetched, the stores it owns are rebuilt from their changelogs. */
  async #restore(partitions: { topic: string; partition: number }[]): Promise<void> {
    try {
      for (const { topic, partition } of partitions) {
        for (const name of this.topology.storesOf(topic)) {
          this.#engine.stores.drop(name, partition);
          const store = this.#engine.stores.get(name, partition);
          await restoreStore(this.kafka, this.topology.changelogTopic(name), store);
        }
      }
    } catch (error) {
      // A partition without its state must not be processed: stop, and let a restart (or another member) take it.
      this.#fail(error);
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      const consumer = this.#consumer!;
      let batch: ConsumerRecord[] = [];
      try {
        const first = await consumer.poll();
        if (first === undefined) return;
        batch = [first, ...consumer.pollReady(this.settings.maxBatchRecords - 1)];
        if (this.#stopping) {
          for (const record of batch) consumer.settle(record as never, false);
          return;
        }
        for (const records of byPartition(batch)) await this.#step(consumer, records);
      } catch (error) {
        for (const record of batch) consumer.settle(record as never, false);
        if (refused(error) && !this.#stopping) {
          try {
            await this.#rejoin();
            continue;
          } catch (rejoinError) {
            this.#fail(rejoinError);
            return;
          }
        }
        this.#fail(error);
        return;
      }
    }
  }

  /**
   * One step: records of ONE partition, so what it changes is that partition's state alone. If
   * the partition was taken from this member meanwhile (a rebalance), the step is dropped whole:
   * nothing written or committed, its state forgotten; the new owner restores the state and
   * processes the records.
   */
  async #step(consumer: Consumer, batch: ConsumerRecord[]): Promise<void> {
    const sends: OutgoingRecord[] = [];
    for (const record of batch) {
      const entering = this.topology.entering(record.topic, {
        key: record.key,
        value: record.value,
        ts: record.eventTime ?? record.timestamp,
        headers: record.headers,
      });
      sends.push(...(await this.#engine.process(record.topic, record.partition, entering)));
    }
    sends.push(...this.#engine.changelog());
    const { topic, partition } = batch[0]!;
    if (consumer.partitionOf(batch[0] as never) === undefined) {
      for (const record of batch) consumer.settle(record as never, false);
      for (const store of this.topology.storesOf(topic)) this.#engine.stores.drop(store, partition);
      return;
    }
    for (const record of batch) consumer.settle(record as never, true);
    if (this.settings.processing === "exactly-once") {
      const topics = [...new Set(sends.map((s) => s.topic))];
      await this.kafka.transaction(topics.length > 0 ? topics : [batch[0]!.topic], async (tx) => {
        await Promise.all(
          sends.map((s) =>
            tx.send(s.value, {
              topic: s.topic,
              key: s.key,
              headers: s.headers,
              timestamp: s.ts,
              ...(s.partition === undefined ? {} : { partition: s.partition }),
            }),
          ),
        );
        await tx.commitOffsets(stepCommit(consumer, topic, partition));
      });
    } else {
      await Promise.all(
        sends.map((s) =>
          this.#producer(s.topic).send(s.value, {
            key: s.key,
            headers: s.headers,
            timestamp: s.ts,
            ...(s.partition === undefined ? {} : { partition: s.partition }),
          }),
        ),
      );
      await consumer.commit();
    }
  }

  /**
   * A step's transaction was refused — nothing of it written — because this member no longer
   * owns the partition at the epoch it committed with (a rebalance, or a server restart that
   * fenced it). Its records were taken as processed and its state changed, so neither can be
   * kept: the consumer leaves without committing, every store is forgotten, and a new consumer
   * joins; the partitions it is given are restored from their changelogs and read again from
   * the committed offsets — the same path as a process that restarts.
   */
  async #rejoin(): Promise<void> {
    await this.#consumer?.close().catch(() => {});
    for (const store of this.#engine.stores.all()) this.#engine.stores.drop(store.name, store.partition);
    this.#engine.stores.takeChanges();
    if (this.#stopping) return;
    const consumer = this.#newConsumer();
    this.#consumer = consumer;
    await consumer.start();
  }

  #producer(topic: string): Producer {
    let producer = this.#producers.get(topic);
    if (producer === undefined) {
      producer = this.kafka.producer(topic, { lingerMs: 0 });
      this.#producers.set(topic, producer);
    }
    return producer;
  }

  #fail(error: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure =
      error instanceof KafkaError
        ? error
        : new KafkaError("STREAM_FAILED", `The stream application failed: ${String(error)}`, { cause: error });
    this.#stopping = true;
    void this.#describer?.stop();
    for (const table of this.#tables) void table.stop();
    void this.#consumer
      ?.close()
      .catch(() => {})
      .then(() => this.#settle(this.#failure));
  }
}

/** The server refused a step whole (nothing written): the member must rejoin, not stop. */
function refused(error: unknown): boolean {
  return (
    error instanceof TransactionConflictError ||
    error instanceof RebalanceInProgressError ||
    (error instanceof KafkaError && (error.code === "FENCED_MEMBER_EPOCH" || error.code === "UNKNOWN_MEMBER_ID"))
  );
}

/** The records of each partition, in order. */
function byPartition(batch: readonly ConsumerRecord[]): ConsumerRecord[][] {
  const groups = new Map<string, ConsumerRecord[]>();
  for (const record of batch) {
    const key = `${record.topic}/${record.partition}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = [];
      groups.set(key, group);
    }
    group.push(record);
  }
  return [...groups.values()];
}
