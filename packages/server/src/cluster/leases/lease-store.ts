/**
 * The lease and node rows (migration 0002-cluster). Every statement is one round trip and uses
 * the database's clock (`now()`), never a node's, so nodes whose clocks disagree still agree on
 * who holds a lease.
 */
import type { LeaseRow } from "./lease-math.js";

/**
 * What the lease statements need of a connection: a `pg` Pool, PoolClient or Client fits.
 * Declared here rather than taken from `pg`'s types, so the public types need no `@types/pg`.
 */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/**
 * Takes the lease when it is free or expired, or renews it when `me` holds it at `epoch`. The
 * epoch (fencing token) goes up on every change of holder, and also when a lapsed holder takes
 * its own lease back, so work from before the lapse is fenced too. When the lease is not ours
 * the same statement answers who holds it (the CTE's snapshot predates the attempt, which is
 * what we want when the attempt changed nothing).
 */
const ACQUIRE = `
WITH attempt AS (
  INSERT INTO rivulet_leases AS l (name, holder, epoch, expires_at)
  VALUES ($1, $2, 1, now() + $4 * interval '1 millisecond')
  ON CONFLICT (name) DO UPDATE SET
    holder = EXCLUDED.holder,
    epoch = CASE WHEN l.holder = EXCLUDED.holder AND l.epoch = $3 AND l.expires_at > now()
                 THEN l.epoch ELSE l.epoch + 1 END,
    expires_at = EXCLUDED.expires_at
  WHERE (l.holder = EXCLUDED.holder AND l.epoch = $3 AND l.expires_at > now()) OR l.expires_at <= now()
  RETURNING l.holder, l.epoch
), current AS (
  SELECT holder, epoch FROM attempt
  UNION ALL
  SELECT holder, epoch FROM rivulet_leases WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM attempt)
)
SELECT c.holder, c.epoch, n.advertised_url AS url FROM current c LEFT JOIN rivulet_nodes n ON n.node_id = c.holder`;

export async function acquireOrRenew(
  db: Queryable,
  lease: string,
  me: string,
  heldEpoch: number | undefined,
  ttlMs: number,
): Promise<LeaseRow | undefined> {
  const { rows } = await db.query(ACQUIRE, [lease, me, heldEpoch ?? 0, ttlMs]);
  const row = rows[0] as { holder: string; epoch: string; url: string | null } | undefined;
  return row && { holder: row.holder, epoch: Number(row.epoch), url: row.url ?? undefined };
}

/** Gives the lease up at once (it expires now), so another node takes it on its next try. */
export async function release(db: Queryable, lease: string, me: string, epoch: number): Promise<void> {
  await db.query("UPDATE rivulet_leases SET expires_at = now() WHERE name = $1 AND holder = $2 AND epoch = $3", [
    lease,
    me,
    epoch,
  ]);
}

/** Records that the node is alive and where other nodes reach it. */
export async function heartbeat(db: Queryable, nodeId: string, url: string): Promise<void> {
  await db.query(
    `INSERT INTO rivulet_nodes (node_id, advertised_url) VALUES ($1, $2)
     ON CONFLICT (node_id) DO UPDATE SET advertised_url = EXCLUDED.advertised_url, heartbeat_at = now()`,
    [nodeId, url],
  );
}

/** Drops the node's row at a clean shutdown. */
export async function forgetNode(db: Queryable, nodeId: string): Promise<void> {
  await db.query("DELETE FROM rivulet_nodes WHERE node_id = $1", [nodeId]);
}
