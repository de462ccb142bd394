/**
 * `rivulet migrate` and `rivulet serve --store postgres://…` as a user runs them, against a
 * real PostgreSQL: migrations print what they applied and are idempotent, serve applies them
 * itself (or refuses with --no-migrate), data appended over HTTP survives a restart of the
 * node, and a schema newer than the binary is refused with a clear line.
 */
import { PostgresStore } from "@rivulet/server";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPostgres, type TestPostgres } from "../../server/test/support/postgres.js";
import { spawnServer } from "../../server/test/support/spawn-server.js";
import { errorLine, rivulet } from "./support/cli-process.js";

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

async function stopped(server: Awaited<ReturnType<typeof spawnServer>>): Promise<void> {
  server.child.kill("SIGTERM");
  await server.exited;
}

describe("rivulet migrate", () => {
  test("applies the schema once, prints what it applied, and is a no-op when current", async () => {
    const url = await postgres.database();
    const first = await rivulet(["migrate", "--store", url]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^applied 0001 streams$/m);
    expect(first.stdout).toMatch(/^schema is now at version \d+$/m);
    const again = await rivulet(["migrate"], { env: { RIVULET_STORE: url } });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^schema is current at version \d+\n$/);
  });

  test("refuses a schema newer than this release, a database it cannot reach, and a store that is not PostgreSQL", async () => {
    const url = await postgres.database();
    expect((await rivulet(["migrate", "--store", url])).code).toBe(0);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("INSERT INTO rivulet_schema_migrations (version, name) VALUES (999, 'future')");
    await client.end();
    const newer = await rivulet(["migrate", "--store", url]);
    expect(newer.code).toBe(5);
    expect(newer.stderr).toMatch(errorLine("SCHEMA_TOO_NEW"));
    expect(newer.stderr).toContain("version 999");

    const unreachable = await rivulet(["migrate", "--store", "postgres://nobody@127.0.0.1:1/none"]);
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toMatch(errorLine("STORE_UNAVAILABLE"));

    const notPg = await rivulet(["migrate", "--store", "memory"]);
    expect(notPg.code).toBe(1);
    expect(notPg.stderr).toMatch(errorLine("USAGE"));
  });
});

describe("rivulet serve --store postgres://…", () => {
  test("migrates at start, serves appends and reads, and keeps them across a restart", async () => {
    const url = await postgres.database();
    let server = await spawnServer(["--store", url]);
    try {
      const stream = `${server.url}/v1/stream/pg/orders`;
      expect((await fetch(stream, { method: "PUT", headers: { "content-type": "text/plain" } })).status).toBe(201);
      for (const body of ["one;", "two;"]) {
        const res = await fetch(stream, { method: "POST", headers: { "content-type": "text/plain" }, body });
        expect(res.status).toBe(204);
      }
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await stopped(server);
    }
    server = await spawnServer(["--store", url, "--no-migrate"]);
    try {
      const stream = `${server.url}/v1/stream/pg/orders`;
      expect(await (await fetch(`${stream}?offset=-1`)).text()).toBe("one;two;");
      const res = await fetch(stream, { method: "POST", headers: { "content-type": "text/plain" }, body: "three;" });
      expect(res.status).toBe(204);
      expect(await (await fetch(`${stream}?offset=-1`)).text()).toBe("one;two;three;");
    } finally {
      await stopped(server);
    }
    // What the nodes wrote is in the database itself, not in a node.
    const store = new PostgresStore({ url, migrate: false });
    await store.open();
    try {
      const streams = await store.list({ prefix: "", limit: 1000 });
      expect(streams.find((s) => s.meta.path.endsWith("/pg/orders"))?.tail).toBe("one;two;three;".length);
    } finally {
      await store.close();
    }
  });

  test("an unmigrated database with --no-migrate, or one it cannot reach, stops serve with one line", async () => {
    const url = await postgres.database();
    const refused = await rivulet(["serve", "--port", "0", "--store", url, "--no-migrate"]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(errorLine("SCHEMA_OUTDATED"));
    expect(refused.stderr).toContain("rivulet migrate");
    const unreachable = await rivulet(["serve", "--port", "0", "--store", "postgres://nobody@127.0.0.1:1/none"]);
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toMatch(errorLine("STORE_UNAVAILABLE"));
  });

  test("--store takes file, memory or a postgres:// URL, nothing else; --help documents it", async () => {
    const bad = await rivulet(["serve", "--store", "mysql://x"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(errorLine("USAGE"));
    const help = await rivulet(["serve", "--help"]);
    expect(help.stdout).toContain("postgres://");
    expect(help.stdout).toContain("--no-migrate");
  });
});
