/**
 * The store's reads. Each is one statement, so it sees one snapshot: a read never mixes rows
 * from before and after another node's append or trim (never torn), and a lookup's producers
 * are those of the tail it reports.
 */
import type pg from "pg";
import { StoreMissingError, StoreTrimmedError } from "../errors.js";
import type { IndexEntry, IndexKey, ListQuery, StoredStream, StreamProbe } from "../types.js";
import { assemble, type StoredChunk } from "./chunks.js";
import { query } from "./connection.js";
import { LOOKUP_COLUMNS, type LookupRow, storedOf } from "./stream-rows.js";

export async function lookupStream(pool: pg.Pool, path: string): Promise<StoredStream | undefined> {
  const { rows } = await query<LookupRow>(
    pool,
    "look a stream up",
    `SELECT ${LOOKUP_COLUMNS} FROM rivulet_streams s WHERE s.path = $1`,
    [path],
  );
  return rows[0] && storedOf(rows[0]);
}

/** The fields of a stream that move, from its one row (a fresh read's check, docs/cluster.md). */
export async function probeStream(pool: pg.Pool, path: string): Promise<StreamProbe | undefined> {
  const { rows } = await query<{
    created_at: string;
    tail: string;
    earliest: string;
    closed: boolean;
    soft_deleted: boolean;
  }>(
    pool,
    "probe a stream",
    "SELECT created_at, tail, earliest, closed, soft_deleted FROM rivulet_streams WHERE path = $1",
    [path],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    createdAt: Number(row.created_at),
    tail: Number(row.tail),
    earliest: Number(row.earliest),
    closed: row.closed,
    softDeleted: row.soft_deleted,
  };
}

export async function listStreams(pool: pg.Pool, { prefix, after, limit }: ListQuery): Promise<StoredStream[]> {
  const { rows } = await query<LookupRow>(
    pool,
    "list streams",
    `SELECT ${LOOKUP_COLUMNS} FROM rivulet_streams s
     WHERE s.path LIKE $1 AND ($2::text IS NULL OR s.path > $2) ORDER BY s.path LIMIT $3`,
    [`${escapeLike(prefix)}%`, after ?? null, Math.min(limit, Number.MAX_SAFE_INTEGER)],
  );
  return rows.map(storedOf);
}

export async function forksOf(pool: pg.Pool, path: string): Promise<StoredStream[]> {
  const { rows } = await query<LookupRow>(
    pool,
    "list forks",
    `SELECT ${LOOKUP_COLUMNS} FROM rivulet_streams s WHERE s.fork_source = $1 ORDER BY s.path`,
    [path],
  );
  return rows.map(storedOf);
}

export async function withLifetime(pool: pg.Pool): Promise<StoredStream[]> {
  const { rows } = await query<LookupRow>(
    pool,
    "list streams with a lifetime",
    `SELECT ${LOOKUP_COLUMNS} FROM rivulet_streams s WHERE s.has_lifetime ORDER BY s.path`,
  );
  return rows.map(storedOf);
}

interface RangeRow {
  earliest: string;
  tail: string;
  base: string;
  position: string | null;
  length: number | null;
  data: Buffer | null;
  holes: Buffer | null;
}

/**
 * Bytes [start, end) of the stream's own data. Plain rows are sliced by the database to what
 * the read needs (their data is stored uncompressed, so only the needed pages are fetched);
 * compacted units come whole, with their hole tables.
 */
export async function readRange(pool: pg.Pool, path: string, start: number, end: number): Promise<Uint8Array> {
  if (start > end) throw new RangeError(`Read [${start}, ${end}) of ${path} ends before it starts`);
  const { rows } = await query<RangeRow>(
    pool,
    "read a stream",
    `SELECT s.earliest, s.tail, coalesce(s.fork_position, 0) AS base, c.position, c.length, c.holes,
       CASE WHEN c.holes IS NULL
         THEN substring(c.data FROM (greatest($2, c.position) - c.position + 1)::int
                       FOR (least($3, c.position + c.length) - greatest($2, c.position))::int)
         ELSE c.data END AS data
     FROM rivulet_streams s
     LEFT JOIN rivulet_chunks c ON c.path = s.path AND c.position < $3 AND c.position + c.length > $2
     WHERE s.path = $1 ORDER BY c.position`,
    [path, start, end],
  );
  const head = rows[0];
  if (!head) throw new StoreMissingError(path);
  const tail = Number(head.tail);
  const base = Number(head.base);
  if (start < base || end > tail) {
    throw new RangeError(`Read [${start}, ${end}) outside stored range [${base}, ${tail}) of ${path}`);
  }
  const earliest = Number(head.earliest);
  if (start < earliest) throw new StoreTrimmedError(path, earliest);
  if (start === end) return new Uint8Array(0);
  const chunks: StoredChunk[] = rows
    .filter((row) => row.position !== null)
    .map((row) => {
      const position = Number(row.position);
      return {
        position,
        length: row.length!,
        data: row.data!,
        sliceFrom: row.holes === null ? Math.max(start, position) : position,
        holes: row.holes,
      };
    });
  return assemble(chunks, start, end);
}

interface EntryRow {
  position: string;
  seq: string;
  ts: string;
}

export async function seekIndex(pool: pg.Pool, path: string, key: IndexKey, limit: number): Promise<IndexEntry[]> {
  // From the last entry at or before the position (or the first), or the first at or after the time.
  const from =
    "position" in key
      ? `coalesce((SELECT max(position) FROM rivulet_index WHERE path = $1 AND position <= $2), -1)`
      : `(SELECT position FROM rivulet_index WHERE path = $1 AND ts >= $2 ORDER BY ts, position LIMIT 1)`;
  const { rows } = await query<EntryRow & { found: boolean }>(
    pool,
    "seek in a stream's index",
    `SELECT EXISTS (SELECT 1 FROM rivulet_streams WHERE path = $1) AS found, i.position, i.seq, i.ts
     FROM (SELECT 1) AS one
     LEFT JOIN rivulet_index i ON i.path = $1 AND i.position >= ${from}
     ORDER BY i.position LIMIT $3`,
    ["position" in key ? [path, key.position] : [path, key.ts], limit].flat(),
  );
  if (!rows[0]?.found) throw new StoreMissingError(path);
  return rows
    .filter((row) => row.position !== null)
    .map((row) => ({ position: Number(row.position), seq: Number(row.seq), ts: Number(row.ts) }));
}

/** A LIKE pattern matching `text` literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
