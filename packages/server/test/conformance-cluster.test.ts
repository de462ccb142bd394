/**
 * The conformance suite, every group included (subscriptions too), on the PostgreSQL store: once
 * against one node, and once through a proxy that sends each request to the next of three nodes
 * on one database — so a stream's create, its appends, its reads and its long-polls each land on
 * a different node, and the suite's answers must not tell. One PostgreSQL serves both (one
 * database each). The subscription group's webhook receivers listen on 127.0.0.1, so the webhook
 * allow-list admits it (PROTOCOL §6.2's local development exception).
 */
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { PostgresStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, describe } from "vitest";
import { startCluster, type TestCluster } from "./support/cluster.js";
import { startPostgres, type TestPostgres } from "./support/postgres.js";

const LONG_POLL_TIMEOUT_MS = 2_000;
const WEBHOOK_ALLOW = ["127.0.0.1", "localhost"];
const options = { longPollTimeoutMs: LONG_POLL_TIMEOUT_MS, webhookAllow: WEBHOOK_ALLOW };

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

describe("conformance: PostgreSQL store, one node", () => {
  const config = { baseUrl: "", longPollTimeoutMs: LONG_POLL_TIMEOUT_MS, subscriptions: true };
  let server: RivuletServer;

  beforeAll(async () => {
    server = await startServer({ port: 0, ...options, store: new PostgresStore({ url: await postgres.database() }) });
    config.baseUrl = server.url;
  }, 60_000);
  afterAll(() => server?.close());

  runConformanceTests(config);
});

/** Every request to the next of three nodes: a stream's answers must not tell which node gave them. */
describe("conformance: three nodes on one PostgreSQL, each request to the next node", () => {
  const config = { baseUrl: "", longPollTimeoutMs: LONG_POLL_TIMEOUT_MS, subscriptions: true };
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, options, postgres });
    config.baseUrl = cluster.url;
  }, 60_000);
  afterAll(() => cluster?.close());

  runConformanceTests(config);
});
