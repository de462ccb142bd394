/**
 * The persistence boundary. A Store makes stream creation, appends and deletion durable and
 * serves stored bytes back; it decides no protocol question (the engine does, with
 * @rivulet/protocol). Every store passes the shared contract suite in test/store-contract.ts.
 */
import type { ForkOrigin, Lifetime, ProducerClaim, ProducerState, Retention } from "@rivulet/protocol";
import type { Span } from "./compacted-unit.js";
import type { StoreBusyError, StoreCorruptionError } from "./errors.js";

/** What a stream is: fixed at creation, except its retention settings (Store.configure changes them). */
export interface StreamMeta {
  readonly path: string;
  readonly contentType: string;
  readonly lifetime: Lifetime;
  /** ms since the epoch. */
  readonly createdAt: number;
  /**
   * Set for forks only: positions below `fork.position` are read from the source. Absent, not
   * undefined, on other streams: a million metas without the two fork fields are 16 B smaller each.
   */
  readonly fork?: ForkOrigin;
  /** The stream's own retention settings; server defaults are applied on top (docs/extensions.md). */
  readonly retention: Retention;
  /** For a fork: its source's record state at the fork position, which the fork starts from. */
  readonly inherited?: Inherited;
}

/** What a fork takes over from its source at creation (its own appends continue from it). */
export interface Inherited {
  /** The source's earliest retained position when the fork was made: the fork's own earliest. */
  readonly earliest: number;
  /** Seq of the first message after the fork position. */
  readonly seq: number;
  /** Append time of the last inherited message (the fork's times never go below it). */
  readonly ts: number;
}

/**
 * One append, made durable atomically: data, producer state, Stream-Seq and closure are one
 * record (PROTOCOL §5.2.1 atomicity), so recovery can never see one without the others.
 */
export interface AppendRecord {
  /** The stream's stored tail this record starts at; a store rejects any other value. */
  readonly position: number;
  readonly data: Uint8Array;
  readonly producer: ProducerClaim | undefined;
  readonly streamSeq: string | undefined;
  readonly close: boolean;
  /** Append time, ms since the epoch; never below the stream's previous one. */
  readonly ts: number;
  /** Messages in `data`: JSON messages for JSON streams, otherwise 1 per non-empty append. */
  readonly messages: number;
  /**
   * The creation time of the stream this record was decided for (its identity). A store that
   * several servers share refuses the record as a conflict (`position`) when the stream stored
   * at the path has another: it was deleted and re-created since, even if its tail matches.
   */
  readonly createdAt?: number;
}

/** One record of an atomic append (Store.appendAtomic): a record for the stream at `path`. */
export interface AtomicPart {
  readonly path: string;
  readonly record: AppendRecord;
}

/**
 * One entry of a stream's append index: where an append (or, inside a large JSON append, a
 * later message) starts, the seq of the message there, and its append time. Entries are in
 * position order, and their seqs and times never decrease.
 */
export interface IndexEntry {
  readonly position: number;
  readonly seq: number;
  readonly ts: number;
}

/** Where a seek starts: the last entry at or before a position, or the first entry at or after a time. */
export type IndexKey = { readonly position: number } | { readonly ts: number };

/** A stream's durable state, as a store answers a lookup. */
export interface StoredStream {
  readonly meta: StreamMeta;
  readonly tail: number;
  /** First retained position: retention and trims move it forward, at message boundaries. */
  readonly earliest: number;
  /** Seq the next message gets. */
  readonly nextSeq: number;
  /** Append time of the latest append (or what a fork inherited). */
  readonly lastTs: number;
  readonly closed: boolean;
  readonly closedBy: ProducerClaim | undefined;
  readonly lastStreamSeq: string | undefined;
  readonly producers: ReadonlyMap<string, ProducerState>;
  readonly softDeleted: boolean;
  /** Streams forked from this one that still exist (PROTOCOL §4.2 reference count). */
  readonly forks: number;
  /**
   * The latest access `Store.touch` recorded (ms since the epoch), for a sliding TTL; only
   * from stores that implement `touch`, and undefined when none was recorded.
   */
  readonly lastAccess?: number;
}

/**
 * What a fresh read checks before answering from a node's cached state (docs/cluster.md):
 * a few fields, so a shared store can answer from one row without producers or metadata.
 */
export interface StreamProbe {
  /** Identity: a stream re-created at the same path has a new creation time. */
  readonly createdAt: number;
  readonly tail: number;
  readonly earliest: number;
  readonly closed: boolean;
  readonly softDeleted: boolean;
}

/** A page of the listing: streams whose path starts with `prefix`, in path order, after `after`. */
export interface ListQuery {
  readonly prefix: string;
  readonly after?: string | undefined;
  readonly limit: number;
}

/**
 * The persistence contract. The engine looks streams up on demand (a store may keep them all
 * in memory, or none), and every write states the position it expects: a store that several
 * servers share rejects a stale one with StoreConflictError, and the engine re-reads and
 * re-decides. Failures are typed StoreErrors with stable codes (errors.ts).
 */
export interface Store {
  /** Human-readable name, e.g. `memory` or `file:./data`. */
  readonly description: string;
  /** What an acknowledgement means, e.g. `fsync before ack`. Stated next to every benchmark. */
  readonly durability: string;

  /** Opens the store (crash recovery happens here). */
  open(): Promise<void>;

  /** The stream at `path` (soft-deleted ones included), or undefined. */
  lookup(path: string): Promise<StoredStream | undefined>;

  /**
   * The few fields of the stream at `path` that move (soft-deleted ones included), or
   * undefined; optional: a store shared by several servers answers it cheaper than `lookup`,
   * which callers fall back to.
   */
  probe?(path: string): Promise<StreamProbe | undefined>;

  /** A page of streams (soft-deleted ones included), in path order. */
  list(query: ListQuery): Promise<StoredStream[]>;

  /** The streams forked from the stream at `path` that still exist (retention keeps what they read). */
  forksOf(path: string): Promise<StoredStream[]>;

  /** Streams with a TTL or an expiry time: the engine keeps these at hand to expire them. */
  withLifetime(): Promise<StoredStream[]>;

  /** How many streams the store holds (soft-deleted ones included); may be approximate for shared stores. */
  count(): number;

  /**
   * Durably creates a stream, with its first record (initial body, closure) if any. A stream
   * already at the path: StoreConflictError (`exists`).
   */
  create(meta: StreamMeta, first: AppendRecord | undefined): Promise<void>;

  /**
   * Durably appends one record at `record.position`, which must be the stream's tail including
   * appends this store has accepted and not yet finished: anything else is StoreConflictError
   * (`position`) and writes nothing. Resolves once the record survives a crash under the
   * store's durability mode. If it rejects, nothing of it is visible, and every later append to
   * the same stream submitted before the rejection was observed rejects as well.
   */
  append(path: string, record: AppendRecord): Promise<void>;

  /**
   * Durably appends several records, to several streams or to one, as one unit: after a crash
   * either every one of them is there or none is, and no read sees some without the others
   * (a transaction, docs/kafka-layer.md). Each record's position must be its stream's tail
   * as `append` requires it, counting the parts before it in `parts` (parts to one stream are
   * applied in order); a stale position is StoreConflictError (`position`), an unknown stream
   * StoreMissingError, and then nothing is written. Resolves once all of it survives a crash
   * under the store's durability mode. If it rejects, nothing of it is visible, and every
   * later append to any of its streams submitted before the rejection was observed rejects as
   * well. (The file store writes it as one log batch; a SQL store uses one transaction.)
   */
  appendAtomic(parts: readonly AtomicPart[]): Promise<void>;

  /**
   * The stream's own stored bytes in [start, end); forks start at `meta.fork.position`. A range
   * that starts below the stream's earliest position (or comes to, while it is read) rejects
   * with StoreTrimmedError: never half-removed bytes.
   */
  read(path: string, start: number, end: number): Promise<Uint8Array>;

  /**
   * A hint that `read` of exactly [start, end) is likely to come soon (a reader catching up):
   * a store that can may start it now. Never fails and never changes what `read` answers.
   */
  readAhead?(path: string, start: number, end: number): void;

  /**
   * Up to `limit` consecutive entries of the stream's own append index, from the last entry at
   * or before `key.position` (the first entry if there is none), or from the first entry whose
   * time is at or after `key.ts` (none if there is none). Never entries below `earliest`.
   */
  seek(path: string, key: IndexKey, limit: number): Promise<IndexEntry[]>;

  /**
   * Retention frees whole storage units from the head. The positions where the first `limit`
   * units end, from the unit holding `earliest` on; only units that end at or before the tail
   * (the unit the tail is in can never be freed).
   */
  headUnits(path: string, limit: number): Promise<number[]>;

  /**
   * Durably moves the stream's earliest position forward to `earliest` (a message boundary the
   * engine chose, never past the tail) and frees the units wholly below it. Producer state,
   * seqs and everything else stay as they are.
   */
  trim(path: string, earliest: number): Promise<void>;

  /**
   * Compaction (docs/kafka-layer.md, "Compaction"): durably rewrites the unit that ends at
   * `unitEnd` (one headUnits gave) without the messages of `removed` — whole JSON messages
   * inside it, in order. From then on each reads as a hole (json.ts): spaces ending in a
   * newline, as long as it was, so every other byte, position, index entry and seq stays as it
   * was. Earlier holes stay. Resolves with the bytes it freed; a unit retention freed meanwhile
   * is left alone (0).
   */
  compactUnit(path: string, unitEnd: number, removed: readonly Span[]): Promise<number>;

  /** Durably changes the stream's own retention settings. */
  configure(path: string, retention: Retention): Promise<void>;

  /**
   * Records that the stream at `path` was read or written at `at` (ms since the epoch), never
   * moving the recorded time back; nothing when there is no such stream. Optional: only a store
   * several servers share needs it, so a sliding TTL (PROTOCOL §5.1) counts every server's
   * accesses (lookups answer it as `lastAccess`). A server alone sees every access itself.
   */
  touch?(path: string, at: number): Promise<void>;

  /** Durably marks a stream soft-deleted (PROTOCOL §4.2): its data stays for fork reads. */
  markDeleted(path: string): Promise<void>;

  /** Removes a stream and reclaims its space. */
  remove(path: string): Promise<void>;

  close(): Promise<void>;

  /** Receives commit statistics (for metrics); optional. */
  observe?(observer: StoreObserver): void;

  /** Whether the store is ready (for readiness checks); optional. */
  health?(): StoreHealth;

  /** Bytes the store holds on its medium; optional. */
  storedBytes?(): number;
}

export interface StoreObserver {
  /** One group commit: how many records it made durable, and how long the durable write took. */
  commit(records: number, seconds: number): void;
  /** Stored bytes failed their checksum; they were not served. */
  corruption?(error: StoreCorruptionError): void;
  /** The process ran out of file descriptors (EMFILE/ENFILE). */
  fileLimit?(error: StoreBusyError): void;
  /** Something an operator should know that did not fail a request (a checkpoint set aside, a retry). */
  warning?(message: string, fields: Record<string, unknown>): void;
}

/** Whether the store can serve and take writes now (readiness); `detail` says why not. */
export interface StoreHealth {
  readonly ready: boolean;
  readonly detail?: string;
}
