/**
 * Cluster mode's options (ServerOptions.cluster, docs/cluster.md): who this node is, how it
 * hears of the other nodes' changes, and where the lease that places singleton features lives.
 */
import type { AttachOptions } from "./change-feed/attach.js";
import type { ChangeFeed } from "./change-feed/types.js";
import type { LeaseTiming } from "./leases/lease-math.js";
import type { Queryable } from "./leases/lease-store.js";

export interface ClusterOptions extends Omit<AttachOptions, "onError"> {
  /** This node's id; random at start when absent. */
  nodeId?: string;
  /**
   * Where the other nodes reach this one, e.g. `http://10.0.0.5:4437`. When absent,
   * `startServer` advertises the address it listens on.
   */
  advertisedUrl?: string;
  /**
   * The PostgreSQL database holding the lease and node rows: a connection URL, or a pool to
   * share. Absent: no lease, and this node runs the singleton features itself (only for nodes
   * that share an in-process store in tests; a real cluster always names its database).
   */
  database?: string | Queryable;
  /**
   * How this node hears of the others' changes. Default: a PgChangeFeed on `database` when it
   * is a URL; a ChangeBus's feed for nodes sharing a MemoryStore in one process.
   */
  changeFeed?: ChangeFeed;
  /** The lease that places singleton features (default `leader`). */
  lease?: string;
  leaseTiming?: Partial<LeaseTiming>;
}
