/**
 * The Durable Streams conformance suite against Rivulet's server on the memory store,
 * started in-process. Subscriptions (PROTOCOL §6–7) are a later milestone, so that group
 * is the only one not run (the suite's own `subscriptions` switch).
 */
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { MemoryStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, describe } from "vitest";

const LONG_POLL_TIMEOUT_MS = 2_000;

describe("conformance: memory store", () => {
  const config = { baseUrl: "", longPollTimeoutMs: LONG_POLL_TIMEOUT_MS };
  let server: RivuletServer;

  beforeAll(async () => {
    server = await startServer({ port: 0, store: new MemoryStore(), longPollTimeoutMs: LONG_POLL_TIMEOUT_MS });
    config.baseUrl = server.url;
  });

  afterAll(async () => {
    await server.close();
  });

  runConformanceTests(config);
});
