/**
 * A Store in PostgreSQL, which several Rivulet nodes share (docs/cluster.md). Each
 * append is one transaction that locks the stream row, checks the position against the
 * stored tail and writes data, index, producer state and the new tail together (PROTOCOL
 * §5.2.1 atomicity); a stale position is StoreConflictError and the engine re-decides. An
 * acknowledgement means PostgreSQL committed with synchronous_commit on: the commit is in its
 * WAL (and on a synchronous standby if the operator configured one).
 */

import type pg from "pg";
import type { Fenceable, FenceSource } from "../../cluster/leases/fence.js";
import type { Span } from "../compacted-unit.js";
import { StoreConflictError, StoreMissingError } from "../errors.js";
import type {
  AppendRecord,
  AtomicPart,
  IndexEntry,
  IndexKey,
  ListQuery,
  Store,
  StoredStream,
  StoreHealth,
  StoreObserver,
  StreamMeta,
  StreamProbe,
} from "../types.js";
import { AppendBatches } from "./append-batches.js";
import { planAppend, planPrefix } from "./append-plan.js";
import { unitEnds } from "./chunks.js";
import { compactStreamUnit } from "./compaction.js";
import { openPool, query, transaction } from "./connection.js";
import type { ConnectionOptions } from "./connection-options.js";
import { storeFault } from "./faults.js";
import { InternalWriteFence } from "./fencing.js";
import { DatabaseHealth } from "./health.js";
import { checkSchema, migrate } from "./migrate.js";
import { PathQueue } from "./path-queue.js";
import { forksOf, listStreams, lookupStream, probeStream, readRange, seekIndex, withLifetime } from "./reads.js";
import { INSERT_STREAM_SQL, lockedOf, newStreamValues, type StreamRow } from "./stream-rows.js";
import { CachedTotals } from "./totals.js";
import { trimStream } from "./trim.js";
import { lockStreams, writePlan } from "./writes.js";

/** Default unit: retention frees, and compaction rewrites, 1 MiB of a stream at a time. */
export const DEFAULT_PG_UNIT_BYTES = 1 << 20;

export interface PostgresStoreOptions extends ConnectionOptions {
  /** Unit size of streams this node creates (a stream keeps the one it was created with). */
  readonly unitBytes?: number;
  /** Apply missing schema migrations at open (default); otherwise open refuses an outdated schema. */
  readonly migrate?: boolean;
  /** How often an idle node asks the database whether it answers (default 1 s). */
  readonly probeMs?: number;
  /** How old count() and storedBytes() may be before they are refreshed (default 5 s). */
  readonly totalsMaxAgeMs?: number;
}

export class PostgresStore implements Store, Fenceable {
  readonly description: string;
  readonly durability = "PostgreSQL commit (synchronous_commit=on)";
  private pool: pg.Pool | undefined;
  private readonly unitBytes: number;
  private readonly queue = new PathQueue();
  private readonly observers: StoreObserver[] = [];
  private readonly readiness: DatabaseHealth;
  private readonly totals: CachedTotals;
  private readonly fence = new InternalWriteFence();
  private readonly batches = new AppendBatches(this.queue, (path, records) => this.writeBatch(path, records));

  constructor(private readonly options: PostgresStoreOptions) {
    this.description = `postgres:${redact(options.url)}`;
    this.unitBytes = options.unitBytes ?? DEFAULT_PG_UNIT_BYTES;
    this.readiness = new DatabaseHealth(
      () => this.db.query("SELECT 1"),
      (event, detail) => {
        const message = event === "lost" ? "database unreachable" : "database reachable again";
        for (const observer of this.observers) observer.warning?.(message, { store: this.description, detail });
      },
    );
    this.totals = new CachedTotals(async () => {
      const { rows } = await query<{ streams: string; bytes: string }>(
        this.db,
        "count streams",
        "SELECT count(*) AS streams, coalesce(sum(stored_bytes), 0) AS bytes FROM rivulet_streams",
      );
      return { streams: Number(rows[0]!.streams), bytes: Number(rows[0]!.bytes) };
    }, options.totalsMaxAgeMs ?? 5000);
  }

  async open(): Promise<void> {
    if (this.pool) return;
    const pool = openPool(this.options, (error) => this.readiness.failed(error));
    try {
      const client = await pool.connect().catch((error: unknown) => {
        throw storeFault(error, `connect to ${redact(this.options.url)}`);
      });
      try {
        if (this.options.migrate ?? true) await migrate(client);
        else await checkSchema(client);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
    this.pool = pool;
    await this.totals.refresh();
    this.readiness.start(this.options.probeMs ?? 1000);
  }

  lookup(path: string): Promise<StoredStream | undefined> {
    return this.watched(lookupStream(this.db, path));
  }

  probe(path: string): Promise<StreamProbe | undefined> {
    return this.watched(probeStream(this.db, path));
  }

  list(listing: ListQuery): Promise<StoredStream[]> {
    return this.watched(listStreams(this.db, listing));
  }

  forksOf(path: string): Promise<StoredStream[]> {
    return this.watched(forksOf(this.db, path));
  }

  withLifetime(): Promise<StoredStream[]> {
    return this.watched(withLifetime(this.db));
  }

  count(): number {
    return this.totals.count;
  }

  /** Cluster mode: feature state is written only under this node's lease (fencing.ts). */
  fenceInternalWrites(source: FenceSource, internalPrefix: string): void {
    this.fence.enable(source, internalPrefix);
  }

  create(meta: StreamMeta, first: AppendRecord | undefined): Promise<void> {
    this.batches.seal([meta.path]);
    return this.queue.run([meta.path], async () => {
      await this.committed(first ? 1 : 0, () =>
        transaction(this.db, "create a stream", async (client) => {
          const { rows } = await client.query<StreamRow>(INSERT_STREAM_SQL, newStreamValues(meta, this.unitBytes));
          if (!rows[0]) throw new StoreConflictError(meta.path, "exists", `Stream already stored: ${meta.path}`);
          await this.fence.check(client, [meta.path]);
          if (first) {
            const plan = planAppend(new Map([[meta.path, lockedOf(rows[0])]]), [{ path: meta.path, record: first }]);
            await writePlan(client, plan);
          }
        }),
      );
      this.totals.changed(1, first?.data.length ?? 0);
    });
  }

  append(path: string, record: AppendRecord): Promise<void> {
    return this.batches.append(path, record);
  }

  appendAtomic(parts: readonly AtomicPart[]): Promise<void> {
    const paths = parts.map((part) => part.path);
    this.batches.seal(paths);
    return this.queue.run(paths, async () => {
      const plan = await this.committed(parts.length, () =>
        transaction(this.db, "append", async (client) => {
          const plan = planAppend(await lockStreams(client, paths), parts);
          await this.fence.check(client, paths);
          await writePlan(client, plan);
          return plan;
        }),
      );
      let bytes = 0;
      for (const added of plan.added.values()) bytes += added;
      this.totals.changed(0, bytes);
    });
  }

  read(path: string, start: number, end: number): Promise<Uint8Array> {
    return this.watched(readRange(this.db, path, start, end));
  }

  seek(path: string, key: IndexKey, limit: number): Promise<IndexEntry[]> {
    return this.watched(seekIndex(this.db, path, key, limit));
  }

  async headUnits(path: string, limit: number): Promise<number[]> {
    const { rows } = await this.watched(
      query<{ base: string; earliest: string; tail: string; unit_bytes: number }>(
        this.db,
        "list a stream's units",
        "SELECT coalesce(fork_position, 0) AS base, earliest, tail, unit_bytes FROM rivulet_streams WHERE path = $1",
        [path],
      ),
    );
    const row = rows[0];
    if (!row) throw new StoreMissingError(path);
    return unitEnds(Number(row.base), Number(row.earliest), Number(row.tail), row.unit_bytes, limit);
  }

  async trim(path: string, earliest: number): Promise<void> {
    const freed = await this.watched(trimStream(this.db, path, earliest));
    this.totals.changed(0, -freed);
  }

  async compactUnit(path: string, unitEnd: number, removed: readonly Span[]): Promise<number> {
    const freed = await this.watched(compactStreamUnit(this.db, path, unitEnd, removed));
    this.totals.changed(0, -freed);
    return freed;
  }

  async configure(path: string, retention: StreamMeta["retention"]): Promise<void> {
    await this.updateOne(path, "configure a stream", "retention = $2", [JSON.stringify(retention)]);
  }

  /** Coarse by the engine's choice (AccessLog): a row update per stream and second at most. */
  async touch(path: string, at: number): Promise<void> {
    await this.watched(
      query(
        this.db,
        "record a stream access",
        "UPDATE rivulet_streams SET last_access = $2 WHERE path = $1 AND (last_access IS NULL OR last_access < $2)",
        [path, at],
      ),
    );
  }

  async markDeleted(path: string): Promise<void> {
    await this.updateOne(path, "delete a stream", "soft_deleted = true", []);
  }

  remove(path: string): Promise<void> {
    this.batches.seal([path]);
    return this.queue.run([path], async () => {
      const freed = await this.watched(
        transaction(this.db, "remove a stream", async (client) => {
          const { rows } = await client.query<{ stored_bytes: string }>(
            "DELETE FROM rivulet_streams WHERE path = $1 RETURNING stored_bytes",
            [path],
          );
          if (!rows[0]) return undefined;
          await client.query(
            `WITH c AS (DELETE FROM rivulet_chunks WHERE path = $1), i AS (DELETE FROM rivulet_index WHERE path = $1)
             DELETE FROM rivulet_producers WHERE path = $1`,
            [path],
          );
          return Number(rows[0].stored_bytes);
        }),
      );
      if (freed !== undefined) this.totals.changed(-1, -freed);
    });
  }

  async close(): Promise<void> {
    this.readiness.stop();
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  observe(observer: StoreObserver): void {
    this.observers.push(observer);
  }

  health(): StoreHealth {
    return this.readiness.state;
  }

  storedBytes(): number {
    return this.totals.storedBytes;
  }

  /** Commits the appends to one stream up to the first refused, in one transaction. */
  private async writeBatch(path: string, records: readonly AppendRecord[]) {
    const outcome = await this.committed(
      (done) => done.committed,
      () =>
        transaction(this.db, "append", async (client) => {
          const parts = records.map((record) => ({ path, record }));
          const { plan, refusal } = planPrefix(await lockStreams(client, [path]), parts);
          await this.fence.check(client, [path]);
          if (plan.streams.length > 0) await writePlan(client, plan);
          const bytes = plan.added.get(path) ?? 0;
          return { committed: refusal?.index ?? records.length, refusal: refusal?.error, bytes };
        }),
    );
    this.totals.changed(0, outcome.bytes);
    return outcome;
  }

  private get db(): pg.Pool {
    if (!this.pool) throw new Error("PostgresStore used before open() or after close()");
    return this.pool;
  }

  private async updateOne(path: string, doing: string, set: string, values: unknown[]): Promise<void> {
    const { rowCount } = await this.watched(
      query(this.db, doing, `UPDATE rivulet_streams SET ${set} WHERE path = $1`, [path, ...values]),
    );
    if (!rowCount) throw new StoreMissingError(path);
  }

  /** A write: its commit is reported to observers (records it made durable, seconds). */
  private async committed<T>(records: number | ((result: T) => number), write: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await this.watched(write());
    const seconds = (performance.now() - started) / 1000;
    const count = typeof records === "number" ? records : records(result);
    for (const observer of this.observers) observer.commit(count, seconds);
    return result;
  }

  /** Every statement's outcome tells readiness whether the database answers. */
  private async watched<T>(work: Promise<T>): Promise<T> {
    try {
      const result = await work;
      this.readiness.succeeded();
      return result;
    } catch (error) {
      this.readiness.failed(error);
      throw error;
    }
  }
}

/** The URL without its password, for logs and descriptions. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres";
  }
}
