/**
 * Transaction participants, with the test ledger (ledger.ts, built like the consumer groups'
 * offset commit): its change commits with the transaction's appends or not at all, on both
 * stores, across restarts and across crashes at random moments.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "@rivulet/server";
import { afterEach, describe, expect, test } from "vitest";
import { appOn, STORES } from "../extensions/stores.js";
import { BASE, expectError, startApp, type TestApp } from "../handlers/helpers.js";
import { crashableIo } from "../store/crashable-io.js";
import { Ledger, ledgerFeature } from "./ledger.js";
import { messages, refusals, relative, transact } from "./support.js";

const JSON_TYPE = "application/json";
const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

for (const kind of STORES) {
  describe(`transaction participants: ${kind.name} store`, () => {
    async function start(ledger = new Ledger()) {
      const app = await appOn(kind, { features: [ledgerFeature(ledger)] });
      apps.push(app);
      return { app, ledger };
    }

    test("a part commits with the items: the answer carries its result, the state has it", async () => {
      const { app, ledger } = await start();
      const out = app.path("out");
      await app.create(out, JSON_TYPE);
      const res = await transact(app, {
        items: [{ path: relative(out), body: { paid: 5 } }],
        ledger: { account: "acc", expect: 0, amount: 5 },
      });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { items: unknown[]; ledger: unknown };
      expect(answer.ledger).toEqual({ account: "acc", version: 1, balance: 5 });
      expect(ledger.get("acc")).toEqual({ account: "acc", version: 1, balance: 5 });
      expect(await messages(app, out)).toEqual([{ paid: 5 }]);
      // A transaction may be only a part.
      const alone = await transact(app, { ledger: { account: "acc", expect: 1, amount: 1 } });
      expect(alone.status).toBe(200);
      expect(ledger.get("acc").balance).toBe(6);
    });

    test("a refused part refuses the transaction, naming the part; no item is written", async () => {
      const { app, ledger } = await start();
      const out = app.path("out");
      await app.create(out, JSON_TYPE);
      const res = await transact(app, {
        items: [{ path: relative(out), body: 1 }],
        ledger: { account: "acc", expect: 3, amount: 5 },
      });
      const errors = await refusals(res);
      expect(errors).toEqual([
        expect.objectContaining({
          part: "ledger",
          code: "FENCED",
          status: 409,
          message: expect.stringMatching(/version 0/),
        }),
      ]);
      expect(await messages(app, out)).toEqual([]);
      expect(ledger.get("acc").version).toBe(0);
    });

    test("a refused item aborts the part: its change is not made and its lock is free", async () => {
      const { app, ledger } = await start();
      const res = await transact(app, {
        items: [{ path: "missing", body: 1 }],
        ledger: { account: "acc", expect: 0, amount: 5 },
      });
      expect((await refusals(res)).map((e) => [e.item, e.code])).toEqual([[0, "STREAM_NOT_FOUND"]]);
      expect(ledger).toMatchObject({ committed: 0, aborted: 1 });
      expect(ledger.get("acc").version).toBe(0);
      const next = await transact(app, { ledger: { account: "acc", expect: 0, amount: 2 } });
      expect(next.status).toBe(200);
      expect(ledger.get("acc")).toMatchObject({ version: 1, balance: 2 });
    });

    test("a malformed part is a bad request naming the part", async () => {
      const { app } = await start();
      const error = await expectError(await transact(app, { ledger: { account: 7 } }), 400, "INVALID_TRANSACTION");
      expect(error.error.message).toMatch(/^`ledger`: /);
      expect((error.error as unknown as { part: string }).part).toBe("ledger");
    });

    test("concurrent transactions fenced on one account: exactly one commits, with its items only", async () => {
      const { app, ledger } = await start();
      const out = app.path("out");
      await app.create(out, JSON_TYPE);
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, n) =>
          transact(app, {
            items: [{ path: relative(out), body: { n } }],
            ledger: { account: "one", expect: 0, amount: 1 },
          }),
        ),
      );
      const statuses = answers.map((res) => res.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(7);
      const winner = statuses.indexOf(200);
      expect(await messages(app, out)).toEqual([{ n: winner }]);
      expect(ledger).toMatchObject({ committed: 1, aborted: 0 });
      expect(ledger.get("one").version).toBe(1);
    });
  });
}

describe("transaction participants and access control", () => {
  test("a part's own demands are checked with the items'", async () => {
    const auth = {
      tokens: [
        { token: "streams-only-0123456789", scopes: [`write:${BASE}/a/**`], id: "streams" },
        {
          token: "with-ledger-0123456789",
          scopes: [`write:${BASE}/a/**`, `write:${BASE}/__ds/ledger/acc`],
          id: "both",
        },
      ],
    };
    const app = await startApp({ auth, features: [ledgerFeature(new Ledger())] });
    apps.push(app);
    const body = { ledger: { account: "acc", expect: 0, amount: 1 } };
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    // Write on the streams is not enough: the part needs its own grant.
    await expectError(await transact(app, body, bearer("streams-only-0123456789")), 403, "FORBIDDEN");
    expect((await transact(app, body, bearer("with-ledger-0123456789"))).status).toBe(200);
  });
});

describe("transaction participants across restarts and crashes (file store)", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  test("the part's state and the items survive a restart together", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rivulet-participant-"));
    dirs.push(dir);
    const first = await startApp({ store: new FileStore({ dir }), features: [ledgerFeature(new Ledger())] });
    await first.create(`${BASE}/out`, JSON_TYPE);
    for (let n = 0; n < 30; n++) {
      const res = await transact(first, {
        items: [{ path: "out", body: { n } }],
        ledger: { account: "acc", expect: n, amount: 1 },
      });
      expect(res.status).toBe(200);
    }
    await first.close();
    const ledger = new Ledger();
    const second = await startApp({ store: new FileStore({ dir }), features: [ledgerFeature(ledger)] });
    apps.push(second);
    expect(ledger.get("acc")).toEqual({ account: "acc", version: 30, balance: 30 });
    expect(await messages(second, `${BASE}/out`)).toHaveLength(30);
  });

  test("after a crash at a random moment, each transaction's items and part are both there or both not", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rivulet-participant-crash-"));
    dirs.push(dir);
    const CYCLES = Number(process.env.RIVULET_TX_CRASH_CYCLES ?? 4);
    let version = 0;
    for (let cycle = 0; cycle <= CYCLES; cycle++) {
      const io = crashableIo();
      const ledger = new Ledger();
      const app = await startApp({
        store: new FileStore({ dir, io, onFatal: () => {} }),
        features: [ledgerFeature(ledger)],
      });
      if (cycle === 0) await app.create(`${BASE}/out`, JSON_TYPE);
      // What survived the last crash: the part's version says how many transactions committed.
      version = ledger.get("acc").version;
      const out = (await messages(app, `${BASE}/out`)) as Array<{ n: number }>;
      expect(out.map((m) => m.n)).toEqual(Array.from({ length: version }, (_, n) => n));
      if (cycle === CYCLES) {
        await app.close();
        break;
      }
      // Transactions one after another until the crash: two streams and the part each.
      let stop = false;
      const writer = (async () => {
        for (let n = version; !stop; n++) {
          const res = await transact(app, {
            items: [{ path: "out", body: { n } }],
            ledger: { account: "acc", expect: n, amount: 1 },
          }).catch(() => undefined);
          if (res?.status !== 200) return;
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
      stop = true;
      await io.crash();
      // The crashed store never answers again; the writer's last request is left hanging, like a dead server's.
      void writer;
    }
    expect(version).toBeGreaterThan(0);
  });
});
