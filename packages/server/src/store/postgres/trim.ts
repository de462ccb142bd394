/**
 * Retention's trim: moves the earliest position forward and deletes every row wholly below it
 * (data and index), in one transaction with the stream row locked, so a read sees either the
 * old earliest with its rows or the new one without them. The space the rows took is reused
 * by PostgreSQL once VACUUM (autovacuum) has processed the table: deleting marks it free.
 */
import type pg from "pg";
import { StoreMissingError } from "../errors.js";
import { transaction } from "./connection.js";
import { lockStreams } from "./writes.js";

/** Trims the stream; resolves with the stored bytes the deleted rows held. */
export function trimStream(pool: pg.Pool, path: string, earliest: number): Promise<number> {
  return transaction(pool, "trim a stream", async (client) => {
    const stream = (await lockStreams(client, [path])).get(path);
    if (!stream) throw new StoreMissingError(path);
    if (earliest < stream.earliest || earliest > stream.tail) {
      throw new RangeError(`Trim of ${path} to ${earliest} outside [${stream.earliest}, ${stream.tail}]`);
    }
    const { rows } = await client.query<{ freed: string }>(
      `WITH gone AS (
         DELETE FROM rivulet_chunks WHERE path = $1 AND position + length <= $2 RETURNING octet_length(data) AS bytes
       ), entries AS (
         DELETE FROM rivulet_index WHERE path = $1 AND position < $2
       ), freed AS (SELECT coalesce(sum(bytes), 0) AS freed FROM gone)
       UPDATE rivulet_streams SET earliest = $2, stored_bytes = stored_bytes - freed.freed
       FROM freed WHERE path = $1 RETURNING freed.freed`,
      [path, earliest],
    );
    return Number(rows[0]!.freed);
  });
}
