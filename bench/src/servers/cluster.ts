/**
 * Rivulet nodes on one PostgreSQL for scenario 14, each `rivulet serve --store postgres://…` in
 * its own process; more than one node goes behind nginx with the configuration `rivulet cluster
 * up` generates (consistent hashing by stream path), so the load sees one front URL.
 * Each configuration serves its own base path, so several share one database without sharing
 * streams.
 */
import { type NginxProcess, startNginx } from "../../../packages/cli/src/cluster/nginx-process.js";
import { track } from "../core/children.js";
import { launchServer, type RunningServer } from "./launch.js";

export interface RunningCluster {
  /** Where the load goes: nginx, or the node itself when there is one. */
  readonly url: string;
  /** e.g. `/n3/stream` (no trailing slash). */
  readonly root: string;
  readonly nodes: readonly RunningServer[];
  stop(): Promise<void>;
}

export async function startCluster(databaseUrl: string, nodeCount: number): Promise<RunningCluster> {
  const root = `/n${nodeCount}/stream`;
  const nodes: RunningServer[] = [];
  let nginx: NginxProcess | undefined;
  const stop = async () => {
    await nginx?.stop();
    await Promise.all(nodes.map((node) => node.stop()));
  };
  const node = (index: number) =>
    launchServer("rivulet", {
      serveFlags: ["--store", databaseUrl, "--node-id", `node-${index}`, "--base-path", root],
    });
  try {
    // The first node applies the schema; the others then start together (as `cluster up` does).
    nodes.push(await node(1));
    for (const started of await Promise.allSettled(Array.from({ length: nodeCount - 1 }, (_, i) => node(i + 2)))) {
      if (started.status === "fulfilled") nodes.push(started.value);
      else throw started.reason;
    }
    if (nodeCount > 1) {
      nginx = await startNginx({ nodes: nodes.map((n) => new URL(n.url).host), workers: 1 });
      // Killed with the benchmark's servers however the run ends.
      track(nginx.child);
    }
    return { url: nginx?.url ?? nodes[0]!.url, root, nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
