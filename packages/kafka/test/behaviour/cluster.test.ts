/**
 * The behaviour suite against three nodes on one PostgreSQL, through a proxy that sends each
 * request to the next node: produce, consume, group joins, heartbeats and commits each land on
 * a different node, so group coordination must hold across the cluster (the coordinator runs
 * on the lease holder; the others forward to it).
 */
import { startCluster } from "../../../server/test/support/cluster.js";
import { Kafka } from "../../src/index.js";
import { behaviourSuite } from "./suite.js";

behaviourSuite("three-node cluster", async () => {
  const cluster = await startCluster({
    nodes: 3,
    options: { groups: { heartbeatIntervalMs: 200, sessionTimeoutMs: 5_000, maxWaitMs: 1_000 } },
  });
  return { kafka: new Kafka({ url: cluster.url, retryBackoffMs: 5 }), close: () => cluster.close() };
});
