/**
 * Fencing (docs/cluster.md): work that runs once writes its state to internal streams
 * (features/state-log). A node that lost its lease but has not noticed yet (a long GC pause, a
 * partition) must not write any more. The token is the lease epoch; a write made under a lease
 * is refused unless the lease row still names this holder at this epoch and has not expired,
 * checked in the same transaction as the write. The check takes the row FOR SHARE, so a
 * takeover (an UPDATE of that row) waits for writes already checked to commit: once another
 * node holds the lease, no write under the old epoch can commit.
 *
 * The PostgreSQL store applies it (see `Fenceable`): for every append to a path under the
 * internal prefix, run `checkFence(transaction, source.current())` before the insert.
 */
import { ProtocolError } from "@rivulet/protocol";
import type { Queryable } from "./lease-store.js";

export interface FenceToken {
  readonly lease: string;
  readonly holder: string;
  readonly epoch: number;
}

export interface FenceSource {
  /** The token this node writes feature state under now; undefined while it holds no lease. */
  current(): FenceToken | undefined;
}

/** A store that can fence writes to internal streams; cluster mode hands it the node's source. */
export interface Fenceable {
  fenceInternalWrites(source: FenceSource, internalPrefix: string): void;
}

export function isFenceable(store: object): store is Fenceable {
  return typeof (store as Partial<Fenceable>).fenceInternalWrites === "function";
}

/** Why a write was refused: the writer's lease has moved on. */
export class FencedError extends Error {
  constructor(readonly token: FenceToken | undefined) {
    super(
      token
        ? `lease ${token.lease} is no longer held by ${token.holder} at epoch ${token.epoch}`
        : "this node holds no lease to write feature state under",
    );
    this.name = "FencedError";
  }
}

const FENCE_CHECK = `SELECT 1 FROM rivulet_leases
  WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > now() FOR SHARE`;

/**
 * Run inside the writing transaction, before the write. Refuses with a retryable 503 (the
 * owner's work has moved; the state write will be made by the new owner), its cause a
 * FencedError, so the transaction is rolled back by the caller.
 */
export async function checkFence(transaction: Queryable, token: FenceToken | undefined): Promise<void> {
  const { rowCount } = token
    ? await transaction.query(FENCE_CHECK, [token.lease, token.holder, token.epoch])
    : { rowCount: 0 };
  if (rowCount === 1) return;
  throw new ProtocolError(
    "UNAVAILABLE",
    "Feature state is written by the node holding its lease",
    { "retry-after": "1" },
    { cause: new FencedError(token) },
  );
}
