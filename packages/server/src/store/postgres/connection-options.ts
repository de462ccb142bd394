/**
 * Where the store connects and how long it waits (connection.ts applies them). Kept apart from
 * the pool so the store's public types do not depend on the driver's.
 */
export interface ConnectionOptions {
  /** postgres://user:password@host:port/database */
  readonly url: string;
  /** Most connections this node holds (default 10). */
  readonly maxConnections?: number;
  /** How long a request waits for a connection before it fails with 503 (default 2 s). */
  readonly connectTimeoutMs?: number;
  /** How long one statement may run before it fails with 503 (default 5 s). */
  readonly statementTimeoutMs?: number;
}
