/**
 * The store's connections: a pg Pool with bounds on every wait, so a database that is gone
 * fails a request within seconds instead of hanging it, and a pool that heals by itself (a
 * broken connection is dropped, the next request connects anew).
 */
import pg from "pg";
import type { ConnectionOptions } from "./connection-options.js";
import { isTransient, storeFault } from "./faults.js";

/** How long a request waits for a connection while every one of the pool's is busy. */
const busyWaits = new WeakMap<pg.Pool, number>();
const DEFAULT_BUSY_WAIT_MS = 5000;

export function openPool(options: ConnectionOptions, onIdleError: (error: Error) => void): pg.Pool {
  const statementTimeout = options.statementTimeoutMs ?? 5000;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // The server cancels a statement past this; the client gives up a little later in case the
    // server cannot even say so (a dead host).
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 1000,
    lock_timeout: statementTimeout,
    idle_in_transaction_session_timeout: statementTimeout * 2,
    application_name: "rivulet",
  });
  // An idle connection the database dropped (a restart): without a listener this would crash
  // the process. The pool has already discarded it.
  pool.on("error", onIdleError);
  busyWaits.set(pool, statementTimeout);
  return pool;
}

/**
 * A connection of the pool. pg-pool applies its connect timeout to waiting for a busy pool as
 * well as to connecting; only the second is a fault. A wait that timed out while every
 * connection was in use is a queue under load, not a database that is gone: it goes on, up to
 * the statement timeout, instead of answering 503 to a burst of requests. A pool that is not
 * full timed out connecting, and fails fast as before.
 */
async function connect(pool: pg.Pool, doing: string): Promise<pg.PoolClient> {
  const deadline = Date.now() + (busyWaits.get(pool) ?? DEFAULT_BUSY_WAIT_MS);
  for (;;) {
    try {
      return await pool.connect();
    } catch (error) {
      const full = pool.totalCount >= (pool.options.max ?? 10);
      if (!(full && isPoolWait(error) && Date.now() < deadline)) throw storeFault(error, doing);
    }
  }
}

function isPoolWait(error: unknown): boolean {
  return error instanceof Error && /timeout exceeded when trying to connect/i.test(error.message);
}

/** One statement on any pooled connection; transient failures typed. */
export async function query<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  doing: string,
  text: string,
  values: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  const client = await connect(pool, doing);
  let broken: Error | undefined;
  try {
    return await client.query<R>(text, values);
  } catch (error) {
    if (isTransient(error)) broken = error as Error;
    throw storeFault(error, doing);
  } finally {
    client.release(broken);
  }
}

/**
 * Runs `work` in one transaction on one connection: committed if it resolves, rolled back if
 * it throws. A connection that failed is destroyed, not returned to the pool.
 */
export async function transaction<T>(
  pool: pg.Pool,
  doing: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await connect(pool, doing);
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    if (isTransient(error)) broken = error as Error;
    else await client.query("ROLLBACK").catch((rollback: Error) => (broken = rollback));
    throw storeFault(error, doing);
  } finally {
    client.release(broken);
  }
}
