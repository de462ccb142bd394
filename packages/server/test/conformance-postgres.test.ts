/**
 * The conformance suite against one node on the PostgreSQL store (a real PostgreSQL from the
 * test harness), every group included. The subscription group's webhook receivers listen on
 * 127.0.0.1, so the webhook allow-list admits it (PROTOCOL §6.2's local development exception).
 */
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { PostgresStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, describe } from "vitest";
import { startPostgres, type TestPostgres } from "./support/postgres.js";

const LONG_POLL_TIMEOUT_MS = 2_000;
const WEBHOOK_ALLOW = ["127.0.0.1", "localhost"];

describe("conformance: PostgreSQL store, one node", () => {
  const config = { baseUrl: "", longPollTimeoutMs: LONG_POLL_TIMEOUT_MS, subscriptions: true };
  let postgres: TestPostgres;
  let server: RivuletServer;

  beforeAll(async () => {
    postgres = await startPostgres();
    server = await startServer({
      port: 0,
      store: new PostgresStore({ url: await postgres.database() }),
      longPollTimeoutMs: LONG_POLL_TIMEOUT_MS,
      webhookAllow: WEBHOOK_ALLOW,
    });
    config.baseUrl = server.url;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await postgres?.stop();
  });

  runConformanceTests(config);
});
