/**
 * The records of the subscriptions state log: each is one decided change, applied by the
 * reducer both when it is decided and when the log is replayed. Field names are short and
 * stable: they are the on-disk format.
 */
import type { SubscriptionConfig } from "../config.js";

/** A cursor as persisted: path, stream creation time (or null), acked position, explicit/glob. */
export type LinkEntry = readonly [path: string, stream: number | null, acked: number, explicit: boolean, glob: boolean];

/** An ack as persisted: path, the stream it is for, the new acked position. */
export type AckEntry = readonly [path: string, stream: number | null, acked: number];

export interface WakeEntry {
  readonly id: string;
  readonly gen: number;
  readonly at: number;
  readonly lease: number | null;
  readonly holder: string | null;
}

/** A whole subscription: the creation record and the snapshot entry share it. */
export interface SubscriptionEntry {
  readonly id: string;
  readonly inc: string;
  readonly config: SubscriptionConfig;
  readonly hash: string;
  readonly at: number;
  readonly base: string;
  readonly gen: number;
  readonly links: readonly LinkEntry[];
  readonly wake: WakeEntry | null;
  readonly retry: { readonly attempt: number; readonly next: number } | null;
}

export type SubscriptionRecord =
  /** Created, with the streams linked at creation (§6.2 backfill); also a snapshot entry. */
  | ({ readonly t: "sub" } & SubscriptionEntry)
  | { readonly t: "delete"; readonly id: string }
  /** An explicit link added (§6.4). */
  | {
      readonly t: "link";
      readonly id: string;
      readonly path: string;
      readonly stream: number | null;
      readonly acked: number;
    }
  /** An explicit link removed (§6.4); a glob link for the path stays. */
  | { readonly t: "unlink"; readonly id: string; readonly path: string }
  /** A wake issued: the next generation (§7). */
  | {
      readonly t: "wake";
      readonly id: string;
      readonly gen: number;
      readonly wake: string;
      readonly at: number;
      readonly lease: number | null;
    }
  /** A pull-wake worker claimed the wake (§7.2). */
  | { readonly t: "claim"; readonly id: string; readonly gen: number; readonly worker: string; readonly lease: number }
  /** Acks applied (§7.1, §7.2); `done` ends the wake, otherwise the lease moves to `lease`. */
  | {
      readonly t: "ack";
      readonly id: string;
      readonly gen: number;
      readonly acks: readonly AckEntry[];
      readonly lease: number | null;
      readonly done: boolean;
    }
  /** The wake ended without acks: released (§7.2) or its lease expired (§7.3). */
  | { readonly t: "end"; readonly id: string; readonly gen: number }
  /** A delivery failed: the wake ends and the next attempt waits until `next` (§7.1). */
  | { readonly t: "retry"; readonly id: string; readonly gen: number; readonly attempt: number; readonly next: number }
  /** A delivery succeeded after failures: the retry schedule is cleared. */
  | { readonly t: "delivered"; readonly id: string; readonly gen: number };
