/**
 * `POST {base}/__ds/transactions` on both stores: what a committed transaction answers and
 * writes, refusals item by item with nothing written, idempotent retries, every request error,
 * limits, access control, and live readers that never see part of a transaction.
 */
import { afterEach, describe, expect, test } from "vitest";
import { appOn, STORES } from "../extensions/stores.js";
import { BASE, expectError, readSse, type TestApp } from "../handlers/helpers.js";
import { readersWaiting } from "../support/live-readers.js";
import { messages, refusals, relative, transact } from "./support.js";

const JSON_TYPE = "application/json";
const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

for (const kind of STORES) {
  describe(`transactions over HTTP: ${kind.name} store`, () => {
    async function start(options: Parameters<typeof appOn>[1] = {}) {
      const app = await appOn(kind, options);
      apps.push(app);
      return app;
    }

    test("a transaction appends to every stream at once and answers what each append's headers would", async () => {
      const app = await start();
      const orders = app.path("orders");
      const audit = app.path("audit");
      const log = app.path("log");
      await app.create(orders, JSON_TYPE, JSON.stringify({ first: true }));
      await app.create(audit, JSON_TYPE);
      await app.create(log, "text/plain");
      // Numbers JSON.parse cannot hold exactly, sent as raw text.
      const RAW = '[{"id":12345678901234567890,"price":1.0},{"id":2}]';
      const request = JSON.stringify({
        items: [
          {
            path: relative(orders),
            body: "RAW-BODY",
            headers: { "Producer-Id": "orders-writer", "Producer-Epoch": "0", "Producer-Seq": 0 },
          },
          { path: `/${relative(audit)}`, body: { who: "me" }, headers: { "stream-seq": "0001" } },
          { path: relative(log), text: "line\n", headers: { "Content-Type": "text/plain", "Stream-Closed": "true" } },
        ],
      });
      const res = await transact(app, request.replace('"RAW-BODY"', RAW));
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const answer = (await res.json()) as { items: Array<Record<string, unknown>> };
      const heads = await Promise.all([orders, audit, log].map((path) => app.request(path, { method: "HEAD" })));
      expect(answer.items).toEqual([
        {
          path: relative(orders),
          written: true,
          next_offset: heads[0]!.headers.get("stream-next-offset"),
          seq: 1,
          timestamp: expect.any(Number),
          producer_epoch: 0,
          producer_seq: 0,
        },
        {
          path: relative(audit),
          written: true,
          next_offset: heads[1]!.headers.get("stream-next-offset"),
          seq: 0,
          timestamp: expect.any(Number),
        },
        {
          path: relative(log),
          written: true,
          next_offset: heads[2]!.headers.get("stream-next-offset"),
          seq: 0,
          timestamp: expect.any(Number),
          closed: true,
        },
      ]);
      // The bytes are the client's own: a number JSON.parse cannot hold exactly is kept as sent.
      const raw = await (await app.request(`${orders}?offset=-1`)).text();
      expect(raw).toContain('{"id":12345678901234567890,"price":1.0}');
      expect(await messages(app, audit)).toEqual([{ who: "me" }]);
      expect(await (await app.request(`${log}?offset=-1`)).text()).toBe("line\n");
      expect(heads[2]!.headers.get("stream-closed")).toBe("true");
    });

    test("binary items as base64, and a close without data", async () => {
      const app = await start();
      const bin = app.path("bin");
      const done = app.path("done");
      await app.create(bin, "application/octet-stream");
      await app.create(done, JSON_TYPE);
      const res = await transact(app, {
        items: [
          {
            path: relative(bin),
            data: Buffer.from([0, 1, 2, 255]).toString("base64"),
            headers: { "Content-Type": "application/octet-stream" },
          },
          { path: relative(done), headers: { "Stream-Closed": "true" } },
        ],
      });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { items: Array<Record<string, unknown>> };
      expect(answer.items[1]).toMatchObject({ written: true, closed: true });
      expect(answer.items[1]!.seq).toBeUndefined();
      expect(new Uint8Array(await (await app.request(`${bin}?offset=-1`)).arrayBuffer())).toEqual(
        new Uint8Array([0, 1, 2, 255]),
      );
      expect((await app.request(done, { method: "HEAD" })).headers.get("stream-closed")).toBe("true");
    });

    test("one refused item refuses all: 409 names each refused item with its code and headers; nothing is written", async () => {
      const app = await start();
      const good = app.path("good");
      const closed = app.path("closed");
      const cond = app.path("cond");
      await app.create(good, JSON_TYPE);
      await app.create(closed, JSON_TYPE, undefined, { "stream-closed": "true" });
      await app.create(cond, JSON_TYPE, JSON.stringify(1));
      const res = await transact(app, {
        items: [
          {
            path: relative(good),
            body: 1,
            headers: { "Producer-Id": "p", "Producer-Epoch": "0", "Producer-Seq": "0" },
          },
          { path: relative(closed), body: 1 },
          { path: relative(cond), body: 2, headers: { "Stream-Expected-Seq": "0" } },
          { path: "nowhere/at-all", body: 3 },
        ],
      });
      const errors = await refusals(res);
      expect(errors.map((e) => [e.item, e.path, e.code, e.status])).toEqual([
        [1, relative(closed), "STREAM_CLOSED", 409],
        [2, relative(cond), "TAIL_MISMATCH", 412],
        [3, "nowhere/at-all", "STREAM_NOT_FOUND", 404],
      ]);
      expect(errors[0]!.headers["stream-closed"]).toBe("true");
      expect(errors[1]!.headers["stream-next-seq"]).toBe("1");
      expect(await messages(app, good)).toEqual([]);
      expect(await messages(app, cond)).toEqual([1]);
      // Item 0's producer state did not move: the same seq is new data now.
      const retried = await transact(app, {
        items: [
          {
            path: relative(good),
            body: 1,
            headers: { "Producer-Id": "p", "Producer-Epoch": "0", "Producer-Seq": "0" },
          },
        ],
      });
      expect(retried.status).toBe(200);
      expect(await messages(app, good)).toEqual([1]);
    });

    test("retrying a committed transaction succeeds with its original results and writes nothing more", async () => {
      const app = await start();
      const a = app.path("a");
      const b = app.path("b");
      await app.create(a, JSON_TYPE);
      await app.create(b, JSON_TYPE);
      const body = {
        items: [
          {
            path: relative(a),
            body: { n: 1 },
            headers: { "Producer-Id": "w", "Producer-Epoch": "3", "Producer-Seq": "0" },
          },
          {
            path: relative(b),
            body: { n: 1 },
            headers: { "Producer-Id": "w", "Producer-Epoch": "3", "Producer-Seq": "0" },
          },
        ],
      };
      const first = (await (await transact(app, body)).json()) as { items: Array<Record<string, unknown>> };
      // The streams move on; a retry is still answered with each item's original results.
      await app.append(a, JSON_TYPE, JSON.stringify({ other: true }));
      const retry = await transact(app, body);
      expect(retry.status).toBe(200);
      const again = (await retry.json()) as { items: Array<Record<string, unknown>> };
      expect(again.items).toEqual(first.items.map((item) => ({ ...item, written: false })));
      expect(again.items[0]).toMatchObject({ producer_epoch: 3, producer_seq: 0, seq: 0 });
      expect(await messages(app, a)).toEqual([{ n: 1 }, { other: true }]);
      expect(await messages(app, b)).toEqual([{ n: 1 }]);
    });

    test("live readers of two streams never see one part without the other", async () => {
      const app = await start();
      const a = app.path("live-a");
      const b = app.path("live-b");
      await app.create(a, JSON_TYPE);
      await app.create(b, JSON_TYPE);
      const sse = await app.request(`${a}?offset=-1&live=sse`);
      const poll = app.request(`${b}?offset=-1&live=long-poll`);
      await readersWaiting(app.app.engine, a);
      await readersWaiting(app.app.engine, b);
      const TRANSACTIONS = 20;
      // Whenever the SSE reader of `a` sees a transaction, a fresh read of `b` must see it too.
      const checks: Array<Promise<void>> = [];
      const reading = readSse(
        sse,
        (events) => {
          const seen = events
            .filter((event) => event.event === "data")
            .flatMap((event) => JSON.parse(event.data) as Array<{ tx: number }>);
          for (const { tx } of seen.slice(checks.length)) {
            checks.push(messages(app, b).then((inB) => expect(inB).toContainEqual({ tx })));
          }
          return seen.length === TRANSACTIONS;
        },
        10_000,
      );
      for (let tx = 0; tx < TRANSACTIONS; tx++) {
        const res = await transact(app, {
          items: [
            { path: relative(a), body: { tx } },
            { path: relative(b), body: { tx } },
          ],
        });
        expect(res.status).toBe(200);
      }
      await reading;
      await Promise.all(checks);
      expect(checks).toHaveLength(TRANSACTIONS);
      // The long-poll woke with the first transaction's part of `b`.
      const polled = await poll;
      expect(polled.status).toBe(200);
      expect(((await polled.json()) as unknown[])[0]).toEqual({ tx: 0 });
    });
  });
}

describe("transaction request errors", () => {
  async function start(options: Parameters<typeof appOn>[1] = {}) {
    const app = await appOn(STORES[0]!, options);
    apps.push(app);
    return app;
  }

  test("a body that is not a transaction: 400 INVALID_TRANSACTION, saying what is wrong", async () => {
    const app = await start();
    const s = app.path("s");
    await app.create(s, JSON_TYPE);
    const name = relative(s);
    const cases: Array<[object | string, RegExp]> = [
      ["{not json", /is JSON/],
      ["[1]", /JSON object/],
      [{ items: {} }, /must be an array/],
      [{}, /at least one item/],
      [{ items: [{ path: name, body: 1 }], commit: {} }, /Unknown field `commit`/],
      [{ items: [7] }, /items\[0\]: must be an object/],
      [{ items: [{ path: name, body: 1, extra: 1 }] }, /unknown field `extra`/],
      [{ items: [{ body: 1 }] }, /needs a `path`/],
      [{ items: [{ path: name, body: 1, text: "x" }] }, /give one of/],
      [{ items: [{ path: name, text: 5, headers: { "content-type": "text/plain" } }] }, /`text` must be a string/],
      [{ items: [{ path: name, data: "!!", headers: { "content-type": "text/plain" } }] }, /must be base64/],
      [{ items: [{ path: name, body: 1, headers: { "content-type": "text/plain" } }] }, /`body` is JSON/],
      [{ items: [{ path: name, body: 1, headers: [] }] }, /`headers` must be an object/],
      [{ items: [{ path: name, body: 1, headers: { "If-Match": "x" } }] }, /does not apply/],
      [{ items: [{ path: name, body: 1, headers: { "Stream-Seq": true } }] }, /must be a string/],
      [
        {
          items: [
            { path: name, body: 1 },
            { path: `/${name}`, body: 2 },
          ],
        },
        /again/,
      ],
    ];
    for (const [body, message] of cases) {
      const error = await expectError(await transact(app, body), 400, "INVALID_TRANSACTION");
      expect(error.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect(await messages(app, s)).toEqual([]);
  });

  test("item errors keep a plain append's code and name the item", async () => {
    const app = await start();
    const s = app.path("s");
    await app.create(s, JSON_TYPE);
    const name = relative(s);
    const cases: Array<[object, number, string]> = [
      [{ path: name, body: 1, headers: { "Producer-Id": "p" } }, 400, "INVALID_PRODUCER_HEADERS"],
      [{ path: name, body: 1, headers: { "Stream-Expected-Offset": "nope" } }, 400, "INVALID_OFFSET"],
      [{ path: name, body: 1, headers: { "Stream-Expected-Seq": "-1" } }, 400, "INVALID_EXPECTED_SEQ"],
      [{ path: name, text: "x" }, 400, "MISSING_CONTENT_TYPE"],
      [{ path: name, text: "x", headers: { "Content-Type": "no type" } }, 400, "BAD_REQUEST"],
      [{ path: "__ds/state/anything", body: 1 }, 400, "INVALID_PATH"],
      [{ path: "a/../b", body: 1 }, 400, "INVALID_PATH"],
      [{ path: "x".repeat(2000), body: 1 }, 414, "PATH_TOO_LONG"],
    ];
    for (const [item, status, code] of cases) {
      const error = await expectError(
        await transact(app, { items: [{ path: name, body: 0 }, item] }),
        status,
        code as never,
      );
      expect(error.error.message, JSON.stringify(item)).toMatch(/^items\[1\]: /);
      expect((error.error as unknown as { item: number }).item).toBe(1);
    }
    expect(await messages(app, s)).toEqual([]);
  });

  test("limits: items per transaction, body size, and the size of one JSON message", async () => {
    const app = await start({ transactions: { maxItems: 2, maxBytes: 400 }, maxMessageBytes: 64 });
    const s = app.path("s");
    await app.create(s, JSON_TYPE);
    const name = relative(s);
    const three = { items: [1, 2, 3].map((n) => ({ path: `${name}-${n}`, body: n })) };
    await expectError(await transact(app, three), 413, "TOO_MANY_TRANSACTION_ITEMS");
    await expectError(
      await transact(app, { items: [{ path: name, body: "x".repeat(500) }] }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    const large = await expectError(
      await transact(app, { items: [{ path: name, body: [1, "y".repeat(100)] }] }),
      413,
      "MESSAGE_TOO_LARGE",
    );
    expect(large.error.message).toMatch(/items\[0\]: JSON message 2/);
    expect(await messages(app, s)).toEqual([]);
  });
});

describe("transactions and access control", () => {
  const auth = {
    tokens: [
      { token: "writer-of-a-0123456789", scopes: [`write:${BASE}/a/**`, `read:${BASE}/**`], id: "writer" },
      { token: "reader-0123456789abcd", scopes: [`read:${BASE}/**`], id: "reader" },
    ],
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  test("write is needed on every stream a transaction appends to; none is written otherwise", async () => {
    const app = await appOn(STORES[0]!, { auth });
    apps.push(app);
    const admin = { ...bearer("writer-of-a-0123456789") };
    for (const path of ["a/one", "a/two", "b/three"]) {
      // Created directly in the engine: the tokens here may not create streams under b/.
      await app.app.engine.create(`${BASE}/${path}`, {
        contentType: JSON_TYPE,
        lifetime: {},
        retention: {},
        closed: false,
        body: new Uint8Array(0),
        fork: undefined,
      });
    }
    const both = {
      items: [
        { path: "a/one", body: 1 },
        { path: "b/three", body: 1 },
      ],
    };
    await expectError(await transact(app, both), 401, "UNAUTHORIZED");
    await expectError(await transact(app, both, admin), 403, "FORBIDDEN");
    await expectError(
      await transact(app, { items: [{ path: "a/one", body: 1 }] }, bearer("reader-0123456789abcd")),
      403,
      "FORBIDDEN",
    );
    expect(await messages({ request: (p, i) => app.request(p, { ...i, headers: admin }) }, `${BASE}/a/one`)).toEqual(
      [],
    );
    const allowed = await transact(
      app,
      {
        items: [
          { path: "a/one", body: 1 },
          { path: "a/two", body: 2 },
        ],
      },
      admin,
    );
    expect(allowed.status).toBe(200);
    // A malformed body from an authenticated client is a 400, not a 403.
    await expectError(await transact(app, "{", admin), 400, "INVALID_TRANSACTION");
  });
});

test("the transactions extension is declared, and its metrics count outcomes, items and refusal codes", async () => {
  const app = await appOn(STORES[0]!);
  apps.push(app);
  const capabilities = (await (await app.request(`${BASE}/__ds/capabilities`)).json()) as {
    extensions: Record<string, number>;
  };
  expect(capabilities.extensions.transactions).toBe(1);
  const s = app.path("m");
  await app.create(s, JSON_TYPE);
  expect((await transact(app, { items: [{ path: relative(s), body: 1 }] })).status).toBe(200);
  expect(
    (
      await transact(app, {
        items: [
          { path: relative(s), body: 1 },
          { path: "missing", body: 1 },
        ],
      })
    ).status,
  ).toBe(409);
  expect((await transact(app, "nope")).status).toBe(400);
  const metrics = await (await app.request("/metrics")).text();
  expect(metrics).toMatch(/rivulet_transactions_total\{outcome="committed"\} 1/);
  expect(metrics).toMatch(/rivulet_transactions_total\{outcome="refused"\} 2/);
  expect(metrics).toMatch(/rivulet_transaction_items_total\{result="written"\} 1/);
  expect(metrics).toMatch(/rivulet_transaction_refusals_total\{code="STREAM_NOT_FOUND"\} 1/);
  expect(metrics).toMatch(/rivulet_transaction_refusals_total\{code="INVALID_TRANSACTION"\} 1/);
  expect(metrics).toMatch(/rivulet_transaction_duration_seconds_count\{outcome="committed"\} 1/);
});
