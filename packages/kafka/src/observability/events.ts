/**
 * What the SDK reports: every event goes to the `onEvent` hook of `new Kafka({ onEvent })` and
 * to the diagnostics channel `rivulet:kafka:<type>` (the way @rivulet/client reports to
 * `rivulet:client:<type>`). A failing hook is ignored: observing must not change behaviour.
 */
import { hasSubscribers, publish } from "./diagnostics.js";

export type KafkaEventBody =
  /** Records a producer's batch or a transaction wrote to one partition. */
  | { type: "send"; topic: string; partition: number; records: number; durationMs: number; duplicate: boolean }
  /** A send or batch that failed (the records were not written). */
  | { type: "send-failed"; topic: string; partition: number | undefined; records: number; error: Error }
  /** A transaction committed (`records` written, `offsets` committed with it) or was refused. */
  | {
      type: "transaction";
      topics: string[];
      records: number;
      offsets: number;
      outcome: "committed" | "aborted" | "refused";
      durationMs: number;
    }
  /** Offsets committed for a group (by a consumer or a transaction). */
  | { type: "commit"; group: string; offsets: { topic: string; partition: number; offset: string }[] }
  /** A consumer's partitions changed. */
  | {
      type: "rebalance";
      group: string;
      assigned: { topic: string; partition: number }[];
      revoked: { topic: string; partition: number }[];
    }
  /** A group's lag, as the server computed it. */
  | {
      type: "lag";
      group: string;
      totalLag: number;
      partitions: { topic: string; partition: number; lag: number | null }[];
    };

export type KafkaEventType = KafkaEventBody["type"];
export type KafkaEvent = KafkaEventBody & { timestamp: number };
export type KafkaEventHook = (event: KafkaEvent) => void;

const TYPES: readonly KafkaEventType[] = ["send", "send-failed", "transaction", "commit", "rebalance", "lag"];

/** The diagnostics channel of each event type. */
export const KAFKA_CHANNELS = Object.fromEntries(TYPES.map((type) => [type, `rivulet:kafka:${type}`])) as {
  readonly [K in KafkaEventType]: `rivulet:kafka:${K}`;
};

export class KafkaEvents {
  constructor(private readonly hook: KafkaEventHook | undefined) {}

  /** Whether an event of `type` reaches anyone (the hook, or a channel subscriber). */
  wants(type: KafkaEventType): boolean {
    return this.hook !== undefined || hasSubscribers(KAFKA_CHANNELS[type]);
  }

  emit(body: KafkaEventBody): void {
    const event = { ...body, timestamp: Date.now() } as KafkaEvent;
    if (this.hook !== undefined) {
      try {
        this.hook(event);
      } catch {
        // A failing hook is the application's problem, not the send's.
      }
    }
    publish(KAFKA_CHANNELS[body.type], event);
  }
}
