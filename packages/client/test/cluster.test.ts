/**
 * The client's broad behaviour files, unchanged, against three nodes on one PostgreSQL behind a
 * proxy that sends each request to the next node: a producer's appends, a reader's catch-up and
 * its long-polls or SSE session each land on a different node, and the client must not tell.
 * Each file runs in its own describe block, so its servers (clusters here) start and stop with
 * it; all of them share this file's one PostgreSQL (a database per cluster).
 */
import { afterAll, describe } from "vitest";
import { startCluster } from "../../server/test/support/cluster.js";
import { startPostgres, type TestPostgres } from "../../server/test/support/postgres.js";
import { serveFrom } from "./support/server.js";

let postgres: Promise<TestPostgres> | undefined;
afterAll(async () => {
  await (await postgres)?.stop();
});

serveFrom(async (options) => {
  postgres ??= startPostgres();
  return startCluster({ nodes: 3, options, postgres: await postgres });
});

for (const file of ["client", "producer", "consumer", "read-modes"]) {
  describe(`${file}.test.ts through a three-node cluster`, async () => {
    await import(`./${file}.test.ts`);
  });
}
