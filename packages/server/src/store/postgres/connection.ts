/**
 * The store's connections: a pg Pool with bounds on every wait, so a database that is gone
 * fails a request within seconds instead of hanging it, and a pool that heals by itself (a
 * broken connection is dropped, the next request connects anew).
 */
import pg from "pg";
import type { ConnectionOptions } from "./connection-options.js";
import { isTransient, storeFault } from "./faults.js";

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
  return pool;
}

/** One statement on any pooled connection; transient failures typed. */
export async function query<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  doing: string,
  text: string,
  values: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  try {
    return await pool.query<R>(text, values);
  } catch (error) {
    throw storeFault(error, doing);
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
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw storeFault(error, doing);
  }
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
