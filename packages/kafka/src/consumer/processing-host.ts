/**
 * What `process()` and the dead-letter helper need of the consumer that feeds them: records,
 * settling them, the commit queue, membership and events. An interface of its own so those
 * modules depend on this seam and not on the `Consumer` class that uses them.
 */
import type { KafkaError } from "../errors.js";
import type { KafkaHttp } from "../http.js";
import type { Committer } from "./committer.js";
import type { Membership } from "./membership.js";
import type { ConsumerEvent } from "./options.js";
import type { PartitionState } from "./partition.js";
import type { DeliveredRecord } from "./record.js";

export interface ProcessingHost<T> {
  readonly group: string;
  readonly http: KafkaHttp;
  readonly committer: Committer;
  readonly membership: Membership | undefined;
  /** The next record, or undefined once the consumer is closed. */
  poll(): Promise<DeliveredRecord<T> | undefined>;
  /** A record's processing ended: finished (its offset may be committed) or not. */
  settle(record: DeliveredRecord, finished: boolean): void;
  /** The partition a record came from, while this member still owns it. */
  partitionOf(record: DeliveredRecord): PartitionState | undefined;
  fail(error: KafkaError): void;
  emit(event: ConsumerEvent): void;
  close(): Promise<void>;
}
