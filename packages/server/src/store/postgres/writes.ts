/**
 * The statements of an append transaction: lock the stream rows (in path order, so two
 * transactions over the same streams never deadlock), then write a plan (append-plan.ts) in
 * one statement — chunks, index entries, producer states and the streams' new tails together.
 */
import type pg from "pg";
import type { AppendPlan } from "./append-plan.js";
import { type LockedStream, lockedOf, STREAM_COLUMNS, type StreamRow } from "./stream-rows.js";

/** Locks and reads the rows of `paths`; a path without a row is absent from the map. */
export async function lockStreams(client: pg.ClientBase, paths: readonly string[]): Promise<Map<string, LockedStream>> {
  const { rows } = await client.query<StreamRow>(
    `SELECT ${STREAM_COLUMNS} FROM rivulet_streams s WHERE s.path = ANY($1::text[]) ORDER BY s.path FOR UPDATE`,
    [[...new Set(paths)]],
  );
  return new Map(rows.map((row) => [row.path, lockedOf(row)]));
}

const WRITE_PLAN_SQL = `
WITH chunks AS (
  INSERT INTO rivulet_chunks (path, position, length, data)
  SELECT path, position, octet_length(data), data FROM unnest($1::text[], $2::bigint[], $3::bytea[]) AS c(path, position, data)
), entries AS (
  INSERT INTO rivulet_index (path, position, seq, ts)
  SELECT * FROM unnest($4::text[], $5::bigint[], $6::bigint[], $7::bigint[])
), producers AS (
  INSERT INTO rivulet_producers (path, producer_id, epoch, last_seq, last_end, last_first_seq, last_ts, last_messages)
  SELECT * FROM unnest($8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[],
    $14::bigint[], $15::bigint[])
  ON CONFLICT (path, producer_id) DO UPDATE SET epoch = excluded.epoch, last_seq = excluded.last_seq,
    last_end = excluded.last_end, last_first_seq = excluded.last_first_seq, last_ts = excluded.last_ts,
    last_messages = excluded.last_messages
)
UPDATE rivulet_streams s SET tail = u.tail, next_seq = u.next_seq, last_ts = u.last_ts, closed = u.closed,
  closed_by = u.closed_by, last_stream_seq = u.last_stream_seq, stored_bytes = s.stored_bytes + u.added
FROM unnest($16::text[], $17::bigint[], $18::bigint[], $19::bigint[], $20::boolean[], $21::jsonb[], $22::text[],
  $23::bigint[]) AS u(path, tail, next_seq, last_ts, closed, closed_by, last_stream_seq, added)
WHERE s.path = u.path`;

export async function writePlan(client: pg.ClientBase, plan: AppendPlan): Promise<void> {
  const { chunks, index, producers, streams } = plan;
  await client.query(WRITE_PLAN_SQL, [
    chunks.map((c) => c.path),
    chunks.map((c) => c.position),
    chunks.map((c) => Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength)),
    index.map((e) => e.path),
    index.map((e) => e.position),
    index.map((e) => e.seq),
    index.map((e) => e.ts),
    producers.map((p) => p.path),
    producers.map((p) => p.id),
    producers.map((p) => p.state.epoch),
    producers.map((p) => p.state.lastSeq),
    producers.map((p) => p.state.last?.end ?? null),
    producers.map((p) => p.state.last?.seq ?? null),
    producers.map((p) => p.state.last?.ts ?? null),
    producers.map((p) => p.state.last?.messages ?? null),
    streams.map((s) => s.meta.path),
    streams.map((s) => s.tail),
    streams.map((s) => s.nextSeq),
    streams.map((s) => s.lastTs),
    streams.map((s) => s.closed),
    streams.map((s) => (s.closedBy === undefined ? null : JSON.stringify(s.closedBy))),
    streams.map((s) => s.lastStreamSeq ?? null),
    streams.map((s) => plan.added.get(s.meta.path) ?? 0),
  ]);
}
