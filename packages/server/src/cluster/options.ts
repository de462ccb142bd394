/** Cluster mode's options (ServerOptions.cluster): who this node is and where leases live. */
import type { LeaseTiming } from "./leases/lease-math.js";
import type { Queryable } from "./leases/lease-store.js";

export interface ClusterOptions {
  /** This node's id; random at start when absent. */
  nodeId?: string;
  /**
   * Where the other nodes reach this one, e.g. `http://10.0.0.5:4437`. When absent,
   * `startServer` advertises the address it listens on.
   */
  advertisedUrl?: string;
  /** The PostgreSQL database holding the lease and node rows: a connection URL, or a pool to share. */
  database: string | Queryable;
  /** The lease that places singleton features (default `leader`). */
  lease?: string;
  leaseTiming?: Partial<LeaseTiming>;
}
