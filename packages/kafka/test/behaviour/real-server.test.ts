/** The behaviour suite against a real in-process server (memory store). */
import { Kafka } from "../../src/index.js";
import { startTestServer } from "../support/group-server.js";
import { behaviourSuite } from "./suite.js";

behaviourSuite("real server", async () => {
  const server = await startTestServer({
    groups: { heartbeatIntervalMs: 200, sessionTimeoutMs: 5_000, maxWaitMs: 1_000 },
  });
  return { kafka: new Kafka({ url: server.url, retryBackoffMs: 5 }), close: () => server.close() };
});
