/**
 * A cluster for suites that test "any node answers any request" (issue: multi-node mode): a
 * real PostgreSQL (one per test file), N in-process nodes on one database — each a PostgresStore
 * with leases and the change feed on that database — and the round-robin proxy in front, so
 * every request of a suite lands on the next node. Suites point their base URL at `url`.
 */
import { type ListenOptions, PostgresStore, type RivuletServer, startServer } from "@rivulet/server";
import { startPostgres, type TestPostgres } from "./postgres.js";
import { type RoundRobinProxy, startRoundRobinProxy } from "./round-robin-proxy.js";

export interface TestCluster {
  /** The proxy's URL: what a suite talks to. */
  readonly url: string;
  readonly nodes: readonly RivuletServer[];
  readonly proxy: RoundRobinProxy;
  close(): Promise<void>;
}

export interface ClusterSetup {
  /** Default 3. */
  nodes?: number;
  /** Options every node gets besides its store and cluster (timeouts, webhook allow-list, groups). */
  options?: ListenOptions;
  /** A PostgreSQL to put the database on; default: a new one, stopped by `close`. */
  postgres?: TestPostgres;
}

export async function startCluster({ nodes = 3, options = {}, postgres }: ClusterSetup = {}): Promise<TestCluster> {
  const ownPostgres = postgres === undefined;
  const pg = postgres ?? (await startPostgres());
  const servers: RivuletServer[] = [];
  let proxy: RoundRobinProxy | undefined;
  const close = async () => {
    await proxy?.close();
    await Promise.all(servers.map((server) => server.close({ graceMs: 200 })));
    if (ownPostgres) await pg.stop();
  };
  try {
    const url = await pg.database();
    // One at a time: the first node applies the schema; the others then find it in place.
    for (let i = 0; i < nodes; i++) {
      servers.push(
        await startServer({
          port: 0,
          ...options,
          store: new PostgresStore({ url }),
          cluster: { database: url, nodeId: `node-${i + 1}` },
        }),
      );
    }
    proxy = await startRoundRobinProxy(servers.map((server) => server.url));
  } catch (error) {
    await close();
    throw error;
  }
  return { url: proxy.url, nodes: servers, proxy, close };
}
