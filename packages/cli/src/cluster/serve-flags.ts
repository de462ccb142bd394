/**
 * `rivulet serve` in a cluster: on a PostgreSQL store (`--store postgres://…`) the node joins
 * the cluster of that database, with leases in the same database (docs/cluster.md).
 */
import type { ClusterOptions } from "@rivulet/server";
import { Option } from "commander";

export interface ClusterFlags {
  nodeId?: string | undefined;
  advertiseUrl?: string | undefined;
}

export function clusterFlagOptions(): Option[] {
  return [
    new Option("--node-id <id>", "this node's id in a cluster (default: random)").env("RIVULET_NODE_ID"),
    new Option(
      "--advertise-url <url>",
      "where the other nodes of a cluster reach this one (default: the address it listens on)",
    ).env("RIVULET_ADVERTISE_URL"),
  ];
}

export function isPostgresUrl(store: string): boolean {
  return /^postgres(ql)?:\/\//.test(store);
}

/** The server's cluster options: a PostgreSQL store means cluster mode on the same database. */
export function clusterSettings(store: string, flags: ClusterFlags): { cluster?: ClusterOptions } {
  if (!isPostgresUrl(store)) return {};
  return {
    cluster: {
      database: store,
      ...(flags.nodeId === undefined ? {} : { nodeId: flags.nodeId }),
      ...(flags.advertiseUrl === undefined ? {} : { advertisedUrl: flags.advertiseUrl }),
    },
  };
}
