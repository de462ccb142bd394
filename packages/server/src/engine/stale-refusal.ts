/**
 * What appends and transactions share on a store several servers write (docs/cluster.md): a
 * refusal is answered only once the store confirms it, and a node that cannot catch up says
 * so with a retryable error instead of refusing on state it knows is stale.
 */
import { StoreConflictError } from "../store/errors.js";
import { storeError } from "./store-errors.js";

/** How often a write waiting for an earlier seq on a shared store checks whether it landed elsewhere. */
export const GAP_RECHECK_MS = 25;

/**
 * The store stayed ahead of this node through every check and the node could not take its
 * state: whether the write is really refused is unknown here, so the answer is a retryable
 * 503 (another node, or this one a moment later, decides on current state), never a refusal
 * such as a seq gap for seqs other nodes already stored.
 */
export function notCaughtUp(path: string): unknown {
  return storeError(
    new StoreConflictError(path, "position", `${path} kept moving on other servers while this one decided`),
  );
}
