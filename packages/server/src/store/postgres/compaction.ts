/**
 * Compaction of one unit (docs/kafka-layer.md, "Compaction"): the unit's rows are read, the
 * removed messages become holes (compacted-unit.ts decides the table and the kept bytes), and
 * the rows are replaced by one row of the kept bytes with its hole table — in one transaction
 * with the stream row locked, so a read sees the unit before or after, never between.
 */
import type pg from "pg";
import { type CompactedUnit, compactUnit, type Span } from "../compacted-unit.js";
import { StoreMissingError } from "../errors.js";
import { assemble, compactedOf, encodeTable, type StoredChunk } from "./chunks.js";
import { transaction } from "./connection.js";
import { lockStreams } from "./writes.js";

interface ChunkRow {
  position: string;
  length: number;
  data: Buffer;
  holes: Buffer | null;
}

/** Rewrites the unit ending at `unitEnd` without `removed`; resolves with the bytes freed. */
export function compactStreamUnit(pool: pg.Pool, path: string, unitEnd: number, removed: readonly Span[]) {
  return transaction(pool, "compact a unit", async (client) => {
    const stream = (await lockStreams(client, [path])).get(path);
    if (!stream) throw new StoreMissingError(path);
    const size = stream.unitBytes;
    if ((unitEnd - stream.base) % size !== 0 || unitEnd <= stream.base || unitEnd > stream.tail) {
      throw new RangeError(`${unitEnd} is not the end of a whole unit of ${path}`);
    }
    const start = unitEnd - size;
    // A unit retention freed (even in part) is left alone.
    if (start < stream.earliest) return 0;
    const { rows } = await client.query<ChunkRow>(
      `SELECT position, length, data, holes FROM rivulet_chunks
       WHERE path = $1 AND position >= $2 AND position < $3 ORDER BY position`,
      [path, start, unitEnd],
    );
    const chunks: StoredChunk[] = rows.map((row) => ({
      position: Number(row.position),
      length: row.length,
      data: row.data,
      sliceFrom: Number(row.position),
      holes: row.holes,
    }));
    const current = assemble(chunks, start, unitEnd);
    const previous: CompactedUnit | undefined =
      rows.length === 1 && rows[0]!.holes !== null ? compactedOf(rows[0]!.holes) : undefined;
    const relative = removed.map((span) => ({ start: span.start - start, end: span.end - start }));
    const { unit, packed } = compactUnit(current, previous, relative);
    const before = rows.reduce((n, row) => n + row.data.length, 0);
    const freed = before - packed.length;
    await client.query("DELETE FROM rivulet_chunks WHERE path = $1 AND position >= $2 AND position < $3", [
      path,
      start,
      unitEnd,
    ]);
    await client.query(
      `WITH unit AS (INSERT INTO rivulet_chunks (path, position, length, data, holes) VALUES ($1, $2, $3, $4, $5))
       UPDATE rivulet_streams SET stored_bytes = stored_bytes - $6 WHERE path = $1`,
      [path, start, size, Buffer.from(packed), Buffer.from(encodeTable(unit.table)), freed],
    );
    return freed;
  });
}
