/**
 * Stream rows as the store reads and writes them: the `rivulet_streams` row (meta, tail,
 * closure, seqs) and its producers, turned into the StoredStream a lookup answers. bigint
 * columns arrive as strings and become numbers (positions, seqs and times stay below 2^53).
 */
import type { ProducerClaim, ProducerState } from "@rivulet/protocol";
import { snapshot } from "../record-state.js";
import { streamMeta } from "../stream-meta.js";
import type { Inherited, StoredStream, StreamMeta } from "../types.js";

/** The columns of `rivulet_streams` a lookup selects (with `forks` and `producers` beside them). */
export const STREAM_COLUMNS = `s.path, s.content_type, s.lifetime, s.created_at, s.fork_source, s.fork_position,
  s.retention, s.inherited, s.unit_bytes, s.tail, s.earliest, s.next_seq, s.last_ts, s.closed, s.closed_by,
  s.last_stream_seq, s.soft_deleted, s.last_access`;

/** A lookup's SELECT list: the stream's columns, how many forks read it, and its producers. */
export const LOOKUP_COLUMNS = `${STREAM_COLUMNS},
  (SELECT count(*) FROM rivulet_streams f WHERE f.fork_source = s.path) AS forks,
  (SELECT json_agg(json_build_array(p.producer_id, p.epoch, p.last_seq, p.last_end, p.last_first_seq,
      p.last_ts, p.last_messages)) FROM rivulet_producers p WHERE p.path = s.path) AS producers`;

export interface StreamRow {
  path: string;
  content_type: string;
  lifetime: StreamMeta["lifetime"];
  created_at: string;
  fork_source: string | null;
  fork_position: string | null;
  retention: StreamMeta["retention"];
  inherited: Inherited | null;
  unit_bytes: number;
  tail: string;
  earliest: string;
  next_seq: string;
  last_ts: string;
  closed: boolean;
  closed_by: ProducerClaim | null;
  last_stream_seq: string | null;
  soft_deleted: boolean;
  last_access?: string | null;
}

export interface LookupRow extends StreamRow {
  forks: string;
  producers: ProducerTuple[] | null;
}

/** id, epoch, lastSeq, then where its last write went (null when not known). */
type ProducerTuple = [string, number, number, number | null, number | null, number | null, number | null];

/** The state an append transaction works from: the locked row, decoded (a RecordTarget). */
export interface LockedStream {
  readonly meta: StreamMeta;
  readonly unitBytes: number;
  readonly base: number;
  tail: number;
  earliest: number;
  nextSeq: number;
  lastTs: number;
  closed: boolean;
  closedBy: ProducerClaim | undefined;
  lastStreamSeq: string | undefined;
  readonly softDeleted: boolean;
  /** Producer states the transaction's records set (the RecordTarget map: only changes, not all). */
  producerMap(): Map<string, ProducerState>;
}

export function metaOf(row: StreamRow): StreamMeta {
  return streamMeta(
    {
      path: row.path,
      contentType: row.content_type,
      lifetime: row.lifetime,
      createdAt: Number(row.created_at),
      retention: row.retention,
    },
    row.fork_source === null ? undefined : { source: row.fork_source, position: Number(row.fork_position ?? 0) },
    row.inherited ?? undefined,
  );
}

export function lockedOf(row: StreamRow): LockedStream {
  const meta = metaOf(row);
  const changed = new Map<string, ProducerState>();
  return {
    producerMap: () => changed,
    meta,
    unitBytes: row.unit_bytes,
    base: meta.fork?.position ?? 0,
    tail: Number(row.tail),
    earliest: Number(row.earliest),
    nextSeq: Number(row.next_seq),
    lastTs: Number(row.last_ts),
    closed: row.closed,
    closedBy: row.closed_by ?? undefined,
    lastStreamSeq: row.last_stream_seq ?? undefined,
    softDeleted: row.soft_deleted,
  };
}

export function storedOf(row: LookupRow): StoredStream {
  const producers = new Map<string, ProducerState>();
  for (const [id, epoch, lastSeq, end, seq, ts, messages] of row.producers ?? []) {
    const producer: ProducerState = { epoch, lastSeq };
    if (end !== null && seq !== null && ts !== null && messages !== null) producer.last = { end, seq, ts, messages };
    producers.set(id, producer);
  }
  return {
    ...snapshot({ ...lockedOf(row), producers }, Number(row.forks)),
    // Before the first recorded access, the creation counts as one.
    lastAccess: Number(row.last_access ?? row.created_at),
  };
}

/** The values of a new stream's row, in the column order of `insertStreamSql`. */
export function newStreamValues(meta: StreamMeta, unitBytes: number): unknown[] {
  const base = meta.fork?.position ?? 0;
  const hasLifetime = meta.lifetime.ttlSeconds !== undefined || meta.lifetime.expiresAt !== undefined;
  return [
    meta.path,
    meta.contentType,
    JSON.stringify(meta.lifetime),
    hasLifetime,
    meta.createdAt,
    meta.fork?.source ?? null,
    meta.fork ? meta.fork.position : null,
    JSON.stringify(meta.retention),
    meta.inherited === undefined ? null : JSON.stringify(meta.inherited),
    unitBytes,
    base,
    meta.inherited?.earliest ?? base,
    meta.inherited?.seq ?? 0,
    meta.inherited?.ts ?? 0,
  ];
}

export const INSERT_STREAM_SQL = `INSERT INTO rivulet_streams (path, content_type, lifetime, has_lifetime, created_at,
    fork_source, fork_position, retention, inherited, unit_bytes, tail, earliest, next_seq, last_ts)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
  ON CONFLICT (path) DO NOTHING RETURNING ${STREAM_COLUMNS.replace(/\bs\./g, "")}`;
