/**
 * The conformance suite against the durable file store (fsync mode), in a temporary directory,
 * every group included. The subscription group's webhook receivers listen on 127.0.0.1, so the
 * webhook allow-list admits it (PROTOCOL §6.2's local development exception).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { FileStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, describe } from "vitest";

const LONG_POLL_TIMEOUT_MS = 2_000;
const WEBHOOK_ALLOW = ["127.0.0.1", "localhost"];

describe("conformance: file store", () => {
  const config = { baseUrl: "", longPollTimeoutMs: LONG_POLL_TIMEOUT_MS, subscriptions: true };
  let server: RivuletServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rivulet-conformance-"));
    server = await startServer({
      port: 0,
      store: new FileStore({ dir }),
      longPollTimeoutMs: LONG_POLL_TIMEOUT_MS,
      webhookAllow: WEBHOOK_ALLOW,
    });
    config.baseUrl = server.url;
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  runConformanceTests(config);
});
