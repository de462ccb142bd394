/** The test PostgreSQL really runs: databases are separate, and a restart keeps what was committed. */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPostgres, type TestPostgres } from "../support/postgres.js";

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(() => postgres?.stop());

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("test PostgreSQL", () => {
  test("each database starts empty and keeps its rows across a server restart", async () => {
    const a = await postgres.database();
    const b = await postgres.database();
    await query(a, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)");
    expect(await query(b, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'kept'")).toEqual([{ n: 0 }]);
    await postgres.restart();
    expect(await query(a, "SELECT n FROM kept")).toEqual([{ n: 42 }]);
  });
});
