/**
 * Several PostgresStores on one database, as several nodes run: racing creates and appends
 * on the same streams are decided by the database (one wins, the other is a typed conflict,
 * nothing is torn), two Engines on two stores decide idempotent producers and closures once,
 * and the schema migrations apply once however many nodes start together.
 */
import {
  type AppendRecord,
  Engine,
  MIGRATIONS,
  migrate,
  PostgresStore,
  SchemaOutdatedError,
  SchemaTooNewError,
  StoreConflictError,
  type StreamMeta,
} from "@rivulet/server";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { startPostgres, type TestPostgres } from "../../support/postgres.js";

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function meta(path: string): StreamMeta {
  return {
    path,
    contentType: "text/plain",
    lifetime: {},
    createdAt: 1_700_000_000_000,
    retention: {},
  };
}

function record(position: number, data: string, extra: Partial<AppendRecord> = {}): AppendRecord {
  return {
    position,
    data: encoder.encode(data),
    producer: undefined,
    streamSeq: undefined,
    close: false,
    ts: 1,
    messages: 1,
    ...extra,
  };
}

async function twoStores(): Promise<[PostgresStore, PostgresStore]> {
  const url = await postgres.database();
  const a = new PostgresStore({ url });
  const b = new PostgresStore({ url });
  // Both open at once: the migration runs once, the other finds the schema current.
  await Promise.all([a.open(), b.open()]);
  closers.push(
    () => a.close(),
    () => b.close(),
  );
  return [a, b];
}

async function client(url: string): Promise<pg.Client> {
  const connection = new pg.Client({ connectionString: url });
  await connection.connect();
  closers.push(() => connection.end());
  return connection;
}

describe("two PostgresStores racing on one database", () => {
  test("racing creates of the same path: exactly one wins, the other is an `exists` conflict", async () => {
    const [a, b] = await twoStores();
    const paths = Array.from({ length: 20 }, (_, i) => `/race/c${i}`);
    const outcomes = await Promise.all(
      paths.map((path) =>
        Promise.allSettled([a.create(meta(path), record(0, "from a")), b.create(meta(path), record(0, "from b!"))]),
      ),
    );
    for (const [i, [fromA, fromB]] of outcomes.entries()) {
      const won = [fromA, fromB].filter((outcome) => outcome.status === "fulfilled");
      expect(won, paths[i]).toHaveLength(1);
      const lost = [fromA, fromB].find((outcome) => outcome.status === "rejected") as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(StoreConflictError);
      expect(lost.reason).toMatchObject({ kind: "exists" });
      // What is stored is the winner's stream, whole.
      const stored = await b.lookup(paths[i]!);
      const text = decoder.decode(await a.read(paths[i]!, 0, stored!.tail));
      expect(text).toBe(fromA!.status === "fulfilled" ? "from a" : "from b!");
    }
  });

  test("appends at the same position: one wins, the other conflicts, and nothing is torn", async () => {
    const [a, b] = await twoStores();
    await a.create(meta("/race/a"), undefined);
    let tail = 0;
    let expected = "";
    for (let round = 0; round < 25; round++) {
      const [fromA, fromB] = await Promise.allSettled([
        a.append("/race/a", record(tail, `a${round};`)),
        b.append("/race/a", record(tail, `bb${round};`)),
      ]);
      const winners = [fromA, fromB].filter((outcome) => outcome.status === "fulfilled");
      expect(winners, `round ${round}`).toHaveLength(1);
      const loser = (fromA.status === "rejected" ? fromA : fromB) as PromiseRejectedResult;
      expect(loser.reason).toMatchObject({ kind: "position", path: "/race/a" });
      expected += fromA.status === "fulfilled" ? `a${round};` : `bb${round};`;
      tail = expected.length;
      expect((await b.lookup("/race/a"))?.tail).toBe(tail);
    }
    expect(decoder.decode(await b.read("/race/a", 0, tail))).toBe(expected);
    expect((await a.lookup("/race/a"))?.nextSeq).toBe(25);
  });

  test("writers on both stores that retry on conflict all land, each record whole and once", async () => {
    const [a, b] = await twoStores();
    await a.create(meta("/race/w"), undefined);
    const writer = async (store: PostgresStore, name: string) => {
      for (let n = 0; n < 15; n++) {
        for (;;) {
          const tail = (await store.lookup("/race/w"))!.tail;
          try {
            await store.append("/race/w", record(tail, `${name}${n};`));
            break;
          } catch (error) {
            if (!(error instanceof StoreConflictError)) throw error;
          }
        }
      }
    };
    await Promise.all([writer(a, "a"), writer(b, "b"), writer(a, "c"), writer(b, "d")]);
    const tail = (await a.lookup("/race/w"))!.tail;
    const records = decoder
      .decode(await b.read("/race/w", 0, tail))
      .split(";")
      .slice(0, -1);
    expect(records).toHaveLength(60);
    for (const name of ["a", "b", "c", "d"]) {
      // Each writer's records are there once each, in its order.
      expect(records.filter((r) => r.startsWith(name))).toEqual(Array.from({ length: 15 }, (_, n) => `${name}${n}`));
    }
    const index = await a.seek("/race/w", { position: 0 }, 100);
    expect(index.map((entry) => entry.seq)).toEqual(Array.from({ length: 60 }, (_, n) => n));
  });

  test("an append to a stream the other store closed is a conflict, not data after the close", async () => {
    const [a, b] = await twoStores();
    await a.create(meta("/race/closed"), record(0, "x"));
    await a.append("/race/closed", record(1, "", { close: true, messages: 0 }));
    await expect(b.append("/race/closed", record(1, "late"))).rejects.toMatchObject({ kind: "position" });
    expect((await b.lookup("/race/closed"))?.tail).toBe(1);
  });

  test("a probe answers the fields that move, as the other store changes them", async () => {
    const [a, b] = await twoStores();
    expect(await b.probe("/probe/a")).toBeUndefined();
    await a.create({ ...meta("/probe/a"), createdAt: 1_700_000_000_123 }, record(0, "abc"));
    expect(await b.probe("/probe/a")).toEqual({
      createdAt: 1_700_000_000_123,
      tail: 3,
      earliest: 0,
      closed: false,
      softDeleted: false,
    });
    await a.append("/probe/a", record(3, "", { close: true, messages: 0 }));
    await a.trim("/probe/a", 3);
    await a.markDeleted("/probe/a");
    expect(await b.probe("/probe/a")).toMatchObject({ tail: 3, earliest: 3, closed: true, softDeleted: true });
  });

  test("an atomic unit racing a plain append on one of its streams: one of them, whole", async () => {
    const [a, b] = await twoStores();
    await a.create(meta("/race/u1"), undefined);
    await a.create(meta("/race/u2"), undefined);
    const [unit, plain] = await Promise.allSettled([
      a.appendAtomic([
        { path: "/race/u1", record: record(0, "u1") },
        { path: "/race/u2", record: record(0, "u2") },
      ]),
      b.append("/race/u2", record(0, "plain")),
    ]);
    expect([unit.status, plain.status].sort()).toEqual(["fulfilled", "rejected"]);
    const tails = [(await b.lookup("/race/u1"))!.tail, (await b.lookup("/race/u2"))!.tail];
    expect(tails).toEqual(unit.status === "fulfilled" ? [2, 2] : [0, 5]);
  });
});

describe("pipelined appends on one store", () => {
  test("appends in flight together commit in order; from a refused one on, the rest are refused", async () => {
    const [a] = await twoStores();
    await a.create(meta("/pipe/a"), undefined);
    const outcomes = await Promise.allSettled([
      a.append("/pipe/a", record(0, "a")),
      a.append("/pipe/a", record(1, "b")),
      a.append("/pipe/a", record(5, "stale")),
      a.append("/pipe/a", record(10, "c")),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "rejected"]);
    for (const refused of outcomes.slice(2)) {
      expect((refused as PromiseRejectedResult).reason).toMatchObject({ kind: "position", path: "/pipe/a" });
    }
    expect((await a.lookup("/pipe/a"))?.tail).toBe(2);
    // Many at once all land, in submission order, each indexed with its own seq.
    const writes = Array.from({ length: 300 }, (_, n) => a.append("/pipe/a", record(2 + n, String(n % 10))));
    await Promise.all(writes);
    const expected = `ab${Array.from({ length: 300 }, (_, n) => String(n % 10)).join("")}`;
    expect(decoder.decode(await a.read("/pipe/a", 0, 302))).toBe(expected);
    expect((await a.seek("/pipe/a", { position: 301 }, 1))[0]).toMatchObject({ position: 301, seq: 301 });
  });
});

const text = (value: string) => encoder.encode(value);
const createRequest = () => ({
  contentType: "text/plain",
  lifetime: {},
  closed: false,
  body: text(""),
  retention: {},
  fork: undefined,
});
const appendRequest = (
  body: string,
  extra: { producer?: { id: string; epoch: number; seq: number }; close?: boolean },
) => ({
  body: text(body),
  hasBody: body.length > 0,
  contentType: "text/plain",
  close: extra.close ?? false,
  streamSeq: undefined,
  producer: extra.producer,
});

async function twoEngines() {
  const [storeA, storeB] = await twoStores();
  const a = new Engine({ store: storeA });
  const b = new Engine({ store: storeB });
  await a.open();
  await b.open();
  const read = async (engine: Engine, path: string) => {
    const stream = await engine.get(path, false);
    return decoder.decode(await engine.readStored(stream, 0, stream.tail));
  };
  return { a, b, read };
}

describe("two Engines on two PostgresStores", () => {
  test("a stream created through one is found through the other, and stale appends are re-decided", async () => {
    const { a, b, read } = await twoEngines();
    await a.create("/e/x", createRequest());
    await b.get("/e/x", false);
    await a.append("/e/x", appendRequest("first;", {}));
    expect(await b.append("/e/x", appendRequest("second;", {}))).toMatchObject({ written: true, tail: 13 });
    // (Engine a learns of b's append through the change feed, not this seam: read through b.)
    expect(await read(b, "/e/x")).toBe("first;second;");
  });

  test("one idempotent producer sending every write through both engines at once: each is stored once", async () => {
    const { a, b, read } = await twoEngines();
    await a.create("/e/p", createRequest());
    await b.get("/e/p", false);
    let written = 0;
    for (let seq = 0; seq < 20; seq++) {
      const producer = { id: "p", epoch: 0, seq };
      const results = await Promise.all([
        a.append("/e/p", appendRequest(`m${seq};`, { producer })),
        b.append("/e/p", appendRequest(`m${seq};`, { producer })),
      ]);
      expect(
        results.filter((r) => r.written),
        `seq ${seq}`,
      ).toHaveLength(1);
      written += results.filter((r) => r.written).length;
    }
    expect(written).toBe(20);
    expect(await read(b, "/e/p")).toBe(Array.from({ length: 20 }, (_, n) => `m${n};`).join(""));
  });

  test("after a close through one engine, an append through the other is refused as closed", async () => {
    const { a, b } = await twoEngines();
    await a.create("/e/c", createRequest());
    await b.get("/e/c", false);
    await a.append("/e/c", appendRequest("last", { close: true }));
    await expect(b.append("/e/c", appendRequest("more", {}))).rejects.toMatchObject({ code: "STREAM_CLOSED" });
  });

  test("a create racing the other engine's: one creates, the other answers as for an existing stream", async () => {
    const { a, b } = await twoEngines();
    const results = await Promise.all([a.create("/e/z", createRequest()), b.create("/e/z", createRequest())]);
    expect(results.map((r) => r.created).sort()).toEqual([false, true]);
  });

  test("a stream removed through one is not found through the other once a write meets its absence", async () => {
    const { a, b } = await twoEngines();
    await a.create("/e/gone", createRequest());
    await b.get("/e/gone", false);
    await a.delete("/e/gone");
    await expect(b.append("/e/gone", appendRequest("y", {}))).rejects.toMatchObject({ code: "STREAM_NOT_FOUND" });
  });
});

describe("schema migrations", () => {
  test("a fresh database gets every migration; a second run applies nothing", async () => {
    const connection = await client(await postgres.database());
    const first = await migrate(connection);
    expect(first.applied.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    const tables = await connection.query("SELECT to_regclass('rivulet_chunks')::text AS t");
    expect(tables.rows[0].t).toBe("rivulet_chunks");
    const again = await migrate(connection);
    expect(again).toEqual({ applied: [], version: first.version });
  });

  test("runners started together apply each migration once", async () => {
    const url = await postgres.database();
    const runners = await Promise.all(Array.from({ length: 4 }, () => client(url)));
    const reports = await Promise.all(runners.map((runner) => migrate(runner)));
    const applied = reports.flatMap((report) => report.applied.map((m) => m.version));
    expect(applied.sort()).toEqual(MIGRATIONS.map((m) => m.version));
    const { rows } = await runners[0]!.query("SELECT count(*)::int AS n FROM rivulet_schema_migrations");
    expect(rows[0].n).toBe(MIGRATIONS.length);
  });

  test("a schema newer than this release is refused and left alone; an outdated one is refused without migrate", async () => {
    const url = await postgres.database();
    const connection = await client(url);
    await migrate(connection);
    await connection.query("INSERT INTO rivulet_schema_migrations (version, name) VALUES (999, 'future')");
    await expect(migrate(connection)).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(new PostgresStore({ url }).open()).rejects.toMatchObject({ code: "SCHEMA_TOO_NEW", version: 999 });
    const { rows } = await connection.query("SELECT max(version)::int AS v FROM rivulet_schema_migrations");
    expect(rows[0].v).toBe(999);

    const fresh = await postgres.database();
    const refused = await new PostgresStore({ url: fresh, migrate: false }).open().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SchemaOutdatedError);
    expect((refused as Error).message).toContain("rivulet migrate");
  });
});
