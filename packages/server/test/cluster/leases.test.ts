/**
 * Leases on the real PostgreSQL: racing nodes agree on one holder, a holder that cannot renew
 * stops before another node takes over, epochs only go up, and writes under a stale epoch are
 * refused in the writing transaction.
 */
import { ProtocolError } from "@rivulet/protocol";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { checkFence, FencedError, type FenceToken } from "../../src/cluster/leases/fence.js";
import { LeaseManager } from "../../src/cluster/leases/lease-manager.js";
import type { LeaseView } from "../../src/cluster/leases/lease-math.js";
import type { Queryable } from "../../src/cluster/leases/lease-store.js";
import { silentLogger } from "../../src/ops/logger.js";
import { migration } from "../../src/store/postgres/migrations/0002-cluster.js";
import { startPostgres, type TestPostgres, testPool } from "../support/postgres.js";

const timing = { ttlMs: 1_500, renewEveryMs: 200, safetyMs: 400 };

let postgres: TestPostgres;
const pools: pg.Pool[] = [];
const managers: LeaseManager[] = [];
beforeAll(async () => {
  postgres = await startPostgres();
});
afterEach(async () => {
  for (const manager of managers.splice(0)) await manager.stop();
  for (const pool of pools.splice(0)) await pool.end();
});
afterAll(() => postgres?.stop());

async function database(): Promise<pg.Pool> {
  const pool = testPool(await postgres.database(), 4);
  pools.push(pool);
  await pool.query(migration.sql);
  return pool;
}

/** A connection that can be cut, as a network partition cuts it. */
function cuttable(pool: pg.Pool): { db: Queryable; cut(): void } {
  let cut = false;
  const db = {
    query: (...args: Parameters<pg.Pool["query"]>) =>
      cut ? Promise.reject(new Error("connection cut")) : pool.query(...args),
  } as Queryable;
  return { db, cut: () => (cut = true) };
}

function manager(db: Queryable, nodeId: string): LeaseManager {
  const made = new LeaseManager({
    db,
    lease: "leader",
    nodeId,
    url: `http://${nodeId}.test`,
    timing,
    logger: silentLogger,
  });
  managers.push(made);
  return made;
}

/** Resolves with the first view `predicate` accepts, and when it came (monotonic ms). */
function next(lease: LeaseManager, predicate: (view: LeaseView) => boolean): Promise<{ view: LeaseView; at: number }> {
  return new Promise((resolve) =>
    lease.onChange((view) => {
      if (predicate(view)) resolve({ view, at: performance.now() });
    }),
  );
}

const heldEpoch = (view: LeaseView) => (view.kind === "held" ? view.epoch : undefined);

describe("leases", () => {
  test("three nodes racing: exactly one holds the lease, the others see who and where", async () => {
    const pool = await database();
    const nodes = ["a", "b", "c"].map((id) => manager(pool, id));
    for (let round = 0; round < 5; round++) {
      await Promise.all(nodes.map((node) => node.tick()));
      const views = nodes.map((node) => node.view);
      const holders = views.filter((view) => view.kind === "held");
      expect(holders).toHaveLength(1);
      const holder = ["a", "b", "c"][views.indexOf(holders[0] as LeaseView)];
      for (const view of views.filter((v) => v.kind !== "held")) {
        expect(view).toMatchObject({ kind: "other", holder, url: `http://${holder}.test`, epoch: 1 });
      }
    }
    expect(heldEpoch(nodes.map((n) => n.view).find((v) => v.kind === "held") as LeaseView)).toBe(1);
  });

  test("a holder that cannot renew stops its work before another node takes over, at a higher epoch", async () => {
    const pool = await database();
    const partitioned = cuttable(pool);
    const a = manager(partitioned.db, "a");
    await a.tick();
    expect(a.view).toMatchObject({ kind: "held", epoch: 1 });
    const b = manager(pool, "b");
    const c = manager(pool, "c");
    const aStopped = next(a, (view) => view.kind !== "held");
    const taken = Promise.race([next(b, (v) => v.kind === "held"), next(c, (v) => v.kind === "held")]);
    partitioned.cut();
    b.start();
    c.start();
    const [stopped, takeover] = await Promise.all([aStopped, taken]);
    expect(stopped.at).toBeLessThan(takeover.at);
    expect(heldEpoch(takeover.view)).toBe(2);
    await Promise.all([b.tick(), c.tick()]);
    expect([b.view, c.view].filter((view) => view.kind === "held")).toHaveLength(1);
  });

  test("a node that stops cleanly hands the lease over on the next try", async () => {
    const pool = await database();
    const a = manager(pool, "a");
    const b = manager(pool, "b");
    await a.tick();
    await b.tick();
    expect(b.view).toMatchObject({ kind: "other", holder: "a" });
    await a.stop();
    await b.tick();
    expect(b.view).toMatchObject({ kind: "held", epoch: 2 });
    const { rows } = await pool.query("SELECT node_id FROM rivulet_nodes ORDER BY node_id");
    expect(rows).toEqual([{ node_id: "b" }]);
  });

  test("a lapsed holder that takes its own lease back gets a new epoch", async () => {
    const pool = await database();
    const a = manager(pool, "a");
    await a.tick();
    await pool.query("UPDATE rivulet_leases SET expires_at = now() - interval '1 second'");
    const restarted = next(a, () => true);
    await a.tick();
    expect((await restarted).view).toMatchObject({ kind: "held", epoch: 2 });
  });

  test("a write under a stale epoch is refused in its transaction; the new holder's commits", async () => {
    const pool = await database();
    await pool.query("CREATE TABLE feature_log (writer text)");
    const partitioned = cuttable(pool);
    const a = manager(partitioned.db, "a");
    await a.tick();
    const stale: FenceToken = { lease: "leader", holder: "a", epoch: 1 };
    expect(await fencedWrite(pool, stale)).toBe("written");
    partitioned.cut();
    const b = manager(pool, "b");
    const taken = next(b, (view) => view.kind === "held");
    b.start();
    const fresh: FenceToken = { lease: "leader", holder: "b", epoch: heldEpoch((await taken).view) ?? 0 };
    const refused = await fencedWrite(pool, stale);
    expect(refused).toBeInstanceOf(ProtocolError);
    expect(refused).toMatchObject({ code: "UNAVAILABLE", headers: { "retry-after": "1" } });
    expect((refused as ProtocolError).cause).toBeInstanceOf(FencedError);
    expect(await fencedWrite(pool, undefined)).toBeInstanceOf(ProtocolError);
    expect(await fencedWrite(pool, fresh)).toBe("written");
    const { rows } = await pool.query("SELECT writer FROM feature_log");
    expect(rows).toEqual([{ writer: "a" }, { writer: "b" }]);
  });
});

async function fencedWrite(pool: pg.Pool, token: FenceToken | undefined): Promise<unknown> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await checkFence(client, token);
    await client.query("INSERT INTO feature_log VALUES ($1)", [token?.holder ?? "nobody"]);
    await client.query("COMMIT");
    return "written";
  } catch (error) {
    await client.query("ROLLBACK");
    return error;
  } finally {
    client.release();
  }
}
