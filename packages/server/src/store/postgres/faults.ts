/**
 * Which database failures are transient: the database restarts or shuts down, a connection is
 * refused, reset or times out. Those become StoreUnavailableError (503 with Retry-After: the
 * node recovers by itself once the database answers again); anything else is a real fault and
 * stays what it is. Pure: decides from the error alone.
 */
import { StoreError, StoreUnavailableError } from "../errors.js";

/** SQLSTATEs of a database that is going away or not taking work now. */
const TRANSIENT_STATES = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, shutting down)
  "57014", // query_canceled: statement_timeout, the guard against a hanging database
  "53300", // too_many_connections
  "53400", // configuration_limit_exceeded
  "55P03", // lock_not_available: lock_timeout
  "25006", // read_only_sql_transaction: a failover left us on a standby
]);

/** Socket errors of a connection that could not be made or was lost. */
const TRANSIENT_ERRNOS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
]);

/** Messages pg itself throws for a lost connection or an exhausted connect wait (no code). */
const TRANSIENT_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Query read timeout/i,
  /Client has encountered a connection error/i,
  /Client was closed and is not queryable/i,
  /connection timeout/i,
];

export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    // Class 08: connection exceptions.
    if (code.startsWith("08") || TRANSIENT_STATES.has(code) || TRANSIENT_ERRNOS.has(code)) return true;
  }
  if (error instanceof AggregateError && error.errors.some(isTransient)) return true;
  return TRANSIENT_MESSAGES.some((pattern) => pattern.test(error.message));
}

/** A failure of a store operation as the store reports it: typed if transient, otherwise as it was. */
export function storeFault(error: unknown, doing: string): unknown {
  if (error instanceof StoreError || error instanceof RangeError) return error;
  if (!isTransient(error)) return error;
  return new StoreUnavailableError(`PostgreSQL could not ${doing}: ${(error as Error).message}`, { cause: error });
}
