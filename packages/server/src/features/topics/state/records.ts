/**
 * The records of the topics' state log (features/state-log): a topic created or changed (its
 * whole entry), its deletion decided, its partitions gone. Written before the change is acted
 * on, so a restart finishes whatever a crash interrupted (runtime/reconcile.ts).
 */
import type { TopicConfig } from "@rivulet/protocol";

export interface Topic {
  readonly name: string;
  readonly config: TopicConfig;
  /** ms since the epoch. */
  readonly createdAt: number;
  /** The revision of its creation, and of its last change: the change feed's `txid`s. */
  readonly createdRevision: number;
  readonly revision: number;
  /** Its deletion is decided: it answers as absent while its partitions are deleted. */
  readonly deleting: boolean;
}

export type TopicLogRecord =
  | { readonly op: "put"; readonly topic: Topic }
  | { readonly op: "deleting"; readonly name: string; readonly revision: number }
  | { readonly op: "purged"; readonly name: string };
