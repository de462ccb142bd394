/** Reading and writing `<app>-describe` (describe.ts says why it is shaped so). */
import { hostname } from "node:os";
import type { Consumer } from "../consumer/consumer.js";
import type { Producer } from "../producer/producer.js";
import { restoreStore } from "./changelog.js";
import { combine, describeTopic, type InstanceRecord, type StreamAppDescription, summarize } from "./describe.js";
import type { StreamsKafka as Kafka } from "./host-kafka.js";
import type { StoreSet } from "./store.js";
import type { Topology } from "./topology.js";

/** How often an instance rewrites its record, besides on every assignment change. */
export const DESCRIBE_INTERVAL_MS = 5_000;

export class DescribePublisher {
  readonly #producer: Producer;
  #timer: ReturnType<typeof setInterval> | undefined;
  #memberId: string | undefined;

  constructor(
    kafka: Kafka,
    private readonly topology: Topology,
    private readonly consumer: () => Consumer | undefined,
    private readonly stores: StoreSet,
  ) {
    this.#producer = kafka.producer(describeTopic(topology.applicationId), { lingerMs: 0 });
  }

  start(): void {
    this.#timer = setInterval(() => void this.publish(), DESCRIBE_INTERVAL_MS);
    this.#timer.unref();
    void this.publish();
  }

  /** Best effort: a description that fails to be written is written again at the next tick. */
  async publish(): Promise<void> {
    const consumer = this.consumer();
    const memberId = consumer?.membership?.memberId;
    if (consumer === undefined || memberId === undefined) return;
    this.#memberId = memberId;
    const record: InstanceRecord = {
      topology: summarize(this.topology),
      instance: {
        memberId,
        host: hostname(),
        pid: process.pid,
        at: Date.now(),
        partitions: consumer.assignment(),
        stores: this.stores
          .all()
          .map((s) => ({ store: s.name, partition: s.partition, entries: s.size }))
          .sort((a, b) => a.store.localeCompare(b.store) || a.partition - b.partition),
      },
    };
    await this.#producer.send(record, { key: memberId }).catch(() => {});
  }

  /** Leaves a tombstone: a closed instance is no longer described. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    if (this.#memberId !== undefined) await this.#producer.send(null, { key: this.#memberId }).catch(() => {});
    await this.#producer.close().catch(() => {});
  }
}

/** A running application as its instances describe it, with the group's lag. */
export async function describeStreamApp(kafka: Kafka, applicationId: string): Promise<StreamAppDescription> {
  const group = await kafka.admin().describeGroup(applicationId);
  const records = new Map<string, unknown>();
  await restoreStore(kafka, describeTopic(applicationId), {
    partition: 0,
    restore: (key, value) => (value === null ? records.delete(key) : records.set(key, value)),
  });
  return combine(records, new Set(group.members.map((m) => m.memberId)), group.partitions);
}
