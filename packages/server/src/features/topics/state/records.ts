/**
 * The records of the topics' state log (features/state-log): a topic created or changed (its
 * whole entry), its deletion decided, its partitions gone. Written before the change is acted
 * on, so a restart finishes whatever a crash interrupted (runtime/reconcile.ts).
 */
import type { Topic } from "./model.js";

export type TopicLogRecord =
  | { readonly op: "put"; readonly topic: Topic }
  | { readonly op: "deleting"; readonly name: string; readonly revision: number }
  | { readonly op: "purged"; readonly name: string };
