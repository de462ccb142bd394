/** Which change feed a cluster node uses when its options name none (ClusterOptions.changeFeed). */
import type { ClusterOptions } from "../options.js";
import { PgChangeFeed } from "./pg/pg-feed.js";
import type { ChangeFeed } from "./types.js";

/** The given feed; else PostgreSQL NOTIFY on the cluster's database when it is a URL; else none. */
export function clusterChangeFeed(options: ClusterOptions, nodeId: string | undefined): ChangeFeed | undefined {
  if (options.changeFeed) return options.changeFeed;
  if (typeof options.database !== "string") return undefined;
  return new PgChangeFeed({ connectionString: options.database, ...(nodeId === undefined ? {} : { nodeId }) });
}
