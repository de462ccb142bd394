/**
 * The Durable Streams conformance suite against Rivulet's server on the memory store,
 * started in-process, every group included. The subscription group's webhook receivers listen
 * on 127.0.0.1, so the webhook allow-list admits it (PROTOCOL §6.2's local development
 * exception).
 */
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { MemoryStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, describe } from "vitest";

const LONG_POLL_TIMEOUT_MS = 2_000;
const WEBHOOK_ALLOW = ["127.0.0.1", "localhost"];

describe("conformance: memory store", () => {
  const config = { baseUrl: "", longPollTimeoutMs: LONG_POLL_TIMEOUT_MS, subscriptions: true };
  let server: RivuletServer;

  beforeAll(async () => {
    server = await startServer({
      port: 0,
      store: new MemoryStore(),
      longPollTimeoutMs: LONG_POLL_TIMEOUT_MS,
      webhookAllow: WEBHOOK_ALLOW,
    });
    config.baseUrl = server.url;
  });

  afterAll(async () => {
    await server.close();
  });

  runConformanceTests(config);
});
