/**
 * What compaction may remove (docs/kafka-layer.md, "Compaction"), as pure rules every store
 * shares: stores only rewrite the units they are told to, keeping the rest where it was.
 *
 * A pass looks at the whole units of a stream up to its cleanable end (the last whole unit:
 * the one still filling is never touched). It first reads them all, learning each key's latest
 * record, then rewrites them in order:
 *
 * - A record with a string key (a record envelope, or a State Protocol change) goes once a
 *   later record of its key exists.
 * - A tombstone (a `null` value) that is its key's latest record goes once `deleteRetentionMs`
 *   have passed since it was appended — but only when no earlier record of its key is left,
 *   since removing it would bring that one back. (Earlier records of its key go in the same
 *   pass, in units rewritten before the tombstone's.)
 * - Records without a string key, and records that straddle a unit boundary (a unit holds
 *   whole messages only), always stay.
 */

/** Each key's latest record seen so far in a pass, and the keys an unremovable older record pins. */
export class KeyIndex {
  /** key → position of its latest record; encoded `-position - 1` when that record can never go. */
  private readonly latest = new Map<string, number>();
  private readonly pinned = new Set<string>();

  get size(): number {
    return this.latest.size;
  }

  /** A record of `key` at `position`; `removable` when it lies wholly inside a unit the pass may rewrite. */
  see(key: string, position: number, removable: boolean): void {
    const previous = this.latest.get(key);
    // The record it supersedes stays for good: the key's tombstone must stay too.
    if (previous !== undefined && previous < 0) this.pinned.add(key);
    this.latest.set(key, removable ? position : -position - 1);
  }

  /** Position of the latest record of `key`, if one was seen. */
  latestOf(key: string): number | undefined {
    const value = this.latest.get(key);
    return value === undefined ? undefined : value < 0 ? -value - 1 : value;
  }

  isPinned(key: string): boolean {
    return this.pinned.has(key);
  }
}

/** A keyed message inside a unit being rewritten. */
export interface KeyedMessage {
  readonly key: string;
  readonly tombstone: boolean;
  readonly position: number;
  /** Append time, ms since the epoch. */
  readonly ts: number;
}

export type Verdict =
  | { readonly remove: true }
  /** Kept; `expires` is when a kept tombstone may go (a later pass can remove it then). */
  | { readonly remove: false; readonly expires?: number };

export function decide(message: KeyedMessage, keys: KeyIndex, now: number, deleteRetentionMs: number): Verdict {
  const latest = keys.latestOf(message.key);
  if (latest !== undefined && latest > message.position) return { remove: true };
  if (!message.tombstone || keys.isPinned(message.key)) return { remove: false };
  const expires = message.ts + deleteRetentionMs;
  return expires <= now ? { remove: true } : { remove: false, expires };
}
