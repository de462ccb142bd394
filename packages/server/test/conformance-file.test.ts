/**
 * The conformance suite against the durable file store (fsync mode), in a temporary directory.
 * Its subscription group (PROTOCOL §6–7) is skipped by the suite itself, since subscriptions
 * are not enabled in its config: the server does not implement them yet.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { FileStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, describe } from "vitest";

const LONG_POLL_TIMEOUT_MS = 2_000;

describe("conformance: file store", () => {
  const config = { baseUrl: "", longPollTimeoutMs: LONG_POLL_TIMEOUT_MS };
  let server: RivuletServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rivulet-conformance-"));
    server = await startServer({ port: 0, store: new FileStore({ dir }), longPollTimeoutMs: LONG_POLL_TIMEOUT_MS });
    config.baseUrl = server.url;
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  runConformanceTests(config);
});
