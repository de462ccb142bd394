/**
 * A pool whose connections are all busy is a queue, not a fault: a request that waits past the
 * connect timeout for one still gets it (up to the statement timeout), while a database that
 * does not accept connections still fails within the connect timeout.
 */
import { StoreUnavailableError } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { openPool, query, transaction } from "../../../src/store/postgres/connection.js";
import { startPostgres, type TestPostgres } from "../../support/postgres.js";

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

describe("waiting for a busy pool", () => {
  test("a request queued behind busy connections longer than the connect timeout is served", async () => {
    const pool = openPool(
      { url: await postgres.database(), maxConnections: 1, connectTimeoutMs: 200, statementTimeoutMs: 5000 },
      () => {},
    );
    try {
      // The pool's one connection is opened first: on a busy machine opening it can itself take
      // longer than the 200 ms connect timeout, which is not what this test is about.
      for (let attempt = 1; ; attempt++) {
        try {
          await query(pool, "open", "SELECT 0");
          break;
        } catch (error) {
          if (attempt === 20) throw error;
        }
      }
      const connects = vi.spyOn(pool, "connect");
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let started!: () => void;
      const holding = new Promise<void>((resolve) => (started = resolve));
      // The pool's one connection is busy for several connect timeouts.
      const busy = transaction(pool, "hold", async (client) => {
        started();
        await held;
        return (await client.query<{ n: number }>("SELECT 1 AS n")).rows[0]!.n;
      });
      // A hold that fails fails the test here rather than leaving it waiting.
      await Promise.race([holding, busy]);
      const queued = query<{ n: number }>(pool, "read", "SELECT 2 AS n");
      const waiting = transaction(pool, "write", async (client) => (await client.query("SELECT 3 AS n")).rows[0].n);
      // Released only once both queued requests timed out waiting once and asked again.
      await expect.poll(() => connects.mock.calls.length, { timeout: 5000 }).toBeGreaterThanOrEqual(5);
      release();
      expect(await busy).toBe(1);
      expect((await queued).rows[0]!.n).toBe(2);
      expect(await waiting).toBe(3);
    } finally {
      await pool.end();
    }
  });

  test("a database that is not there fails within the connect timeout, as unavailable", async () => {
    const pool = openPool({ url: "postgres://nobody:x@127.0.0.1:9/none", connectTimeoutMs: 300 }, () => {});
    try {
      const started = Date.now();
      await expect(query(pool, "read", "SELECT 1")).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await pool.end();
    }
  });
});
