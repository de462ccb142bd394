/**
 * Subscription management over HTTP (PROTOCOL §6.2–6.5): create and re-confirm, read, delete,
 * explicit streams, the backfill of existing streams, the listing, signing keys, and every
 * error with its code.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BASE, expectError, type TestApp } from "../handlers/helpers.js";
import {
  bodyOf,
  getSub,
  type Jwks,
  json,
  offset,
  putSub,
  type SubscriptionView,
  stream,
  subPath,
  subscriptionApp,
} from "./support.js";

interface Listing {
  subscriptions: Array<Record<string, unknown> & { id: string }>;
  next: string | null;
}

let t: TestApp;
let counter = 0;
const id = () => `sub-${++counter}`;
const hook = { type: "webhook", webhook: { url: "https://hooks.example.com/x" } };

beforeAll(async () => {
  t = await subscriptionApp({
    subscriptions: { maxSubscriptions: 30, maxStreamsPerSubscription: 5, maxBodyBytes: 4096 },
  });
});
afterAll(() => t.close());

describe("create, re-confirm, read (§6.2, §6.3)", () => {
  test("201, then 200 for the same configuration, 409 SUBSCRIPTION_EXISTS for another", async () => {
    const name = id();
    const body = { ...hook, pattern: "orders/*", lease_ttl_ms: 5000, description: "orders" };
    const created = await putSub(t, name, body);
    expect(created.status).toBe(201);
    const view = await bodyOf<SubscriptionView>(created);
    expect(view).toMatchObject({
      id: name,
      subscription_id: name,
      type: "webhook",
      pattern: "orders/*",
      streams: [],
      webhook: {
        url: "https://hooks.example.com/x",
        signing: {
          alg: "ed25519",
          kid: expect.stringMatching(/^ds_/),
          jwks_url: `http://rivulet.test${BASE}/__ds/jwks.json`,
        },
      },
      wake_stream: null,
      lease_ttl_ms: 5000,
      status: "active",
      description: "orders",
      generation: 0,
      next_attempt_at: null,
    });
    expect(Number.isNaN(Date.parse(String(view.created_at)))).toBe(false);
    expect(JSON.stringify(view)).not.toMatch(/secret|"d":/);
    const again = await putSub(t, name, { ...body, streams: [] });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(view);
    await expectError(await putSub(t, name, { ...body, lease_ttl_ms: 6000 }), 409, "SUBSCRIPTION_EXISTS");
    expect(await getSub(t, name)).toEqual(view);
  });

  test("a pull-wake subscription has no webhook", async () => {
    const name = id();
    const res = await putSub(t, name, { type: "pull-wake", streams: ["jobs/a"], wake_stream: "wake/a" });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      type: "pull-wake",
      webhook: null,
      wake_stream: "wake/a",
      lease_ttl_ms: 30_000,
    });
  });

  test("an unknown subscription is SUBSCRIPTION_NOT_FOUND", async () => {
    await expectError(await t.request(subPath("nope")), 404, "SUBSCRIPTION_NOT_FOUND");
    await expectError(await t.request(subPath("nope"), { method: "DELETE" }), 404, "SUBSCRIPTION_NOT_FOUND");
    await expectError(await t.request(subPath("bad id!")), 404, "SUBSCRIPTION_NOT_FOUND");
  });

  test("delete is 204, and the subscription is gone", async () => {
    const name = id();
    await putSub(t, name, { ...hook, pattern: "a/*" });
    expect((await t.request(subPath(name), { method: "DELETE" })).status).toBe(204);
    await expectError(await t.request(subPath(name)), 404, "SUBSCRIPTION_NOT_FOUND");
    expect((await putSub(t, name, { ...hook, pattern: "b/*" })).status).toBe(201);
  });
});

describe("errors at creation", () => {
  test.each([
    ["not JSON", "{", 400, "INVALID_SUBSCRIPTION"],
    ["no type", { pattern: "a/*" }, 400, "INVALID_SUBSCRIPTION"],
    [
      "a private webhook target",
      { ...hook, pattern: "a/*", webhook: { url: "https://10.0.0.1/x" } },
      400,
      "WEBHOOK_URL_REJECTED",
    ],
    [
      "plain http to a public host",
      { ...hook, pattern: "a/*", webhook: { url: "http://hooks.example.com/x" } },
      400,
      "WEBHOOK_URL_REJECTED",
    ],
    [
      "cloud metadata",
      { ...hook, pattern: "a/*", webhook: { url: "https://169.254.169.254/x" } },
      400,
      "WEBHOOK_URL_REJECTED",
    ],
    [
      "a long URL",
      { ...hook, pattern: "a/*", webhook: { url: `https://h.example.com/${"x".repeat(2100)}` } },
      400,
      "WEBHOOK_URL_TOO_LONG",
    ],
    ["a complex pattern", { ...hook, pattern: "**/a/**/b/**" }, 400, "PATTERN_TOO_COMPLEX"],
    ["too many streams", { ...hook, streams: ["a", "b", "c", "d", "e", "f"] }, 400, "TOO_MANY_SUBSCRIPTION_STREAMS"],
    ["a body over the limit", { ...hook, pattern: "a/*", description: "x".repeat(5000) }, 413, "PAYLOAD_TOO_LARGE"],
    ["a bad stream path", { ...hook, streams: ["a/../b"] }, 400, "INVALID_PATH"],
  ])("%s", async (_name, body, status, code) => {
    const res = await t.request(subPath(id()), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    await expectError(res, status, code as "INVALID_SUBSCRIPTION");
  });

  test("an invalid id is INVALID_SUBSCRIPTION", async () => {
    await expectError(await putSub(t, "-starts-with-dash", { ...hook, pattern: "a/*" }), 400, "INVALID_SUBSCRIPTION");
    await expectError(await putSub(t, "x".repeat(129), { ...hook, pattern: "a/*" }), 400, "INVALID_SUBSCRIPTION");
  });

  test("a pattern matching more existing streams than allowed is TOO_MANY_SUBSCRIPTION_STREAMS", async () => {
    for (let n = 0; n < 6; n++) await t.create(stream(`many/${n}`));
    await expectError(await putSub(t, id(), { ...hook, pattern: "many/*" }), 400, "TOO_MANY_SUBSCRIPTION_STREAMS");
  });
});

describe("backfill and links (§6.2, §6.4)", () => {
  test("existing streams are linked at their tail, later ones at their start; deleted ones are unlinked", async () => {
    await t.create(stream("bf/old"), "text/plain", "history");
    const name = id();
    expect((await putSub(t, name, { ...hook, pattern: "bf/*" })).status).toBe(201);
    expect((await getSub(t, name)).streams).toEqual([{ path: "bf/old", link_type: "glob", acked_offset: offset(7) }]);
    await t.create(stream("bf/new"));
    await t.create(stream("other/x"));
    expect((await getSub(t, name)).streams).toEqual([
      { path: "bf/new", link_type: "glob", acked_offset: offset(0) },
      { path: "bf/old", link_type: "glob", acked_offset: offset(7) },
    ]);
    expect((await t.request(stream("bf/old"), { method: "DELETE" })).status).toBe(204);
    expect((await getSub(t, name)).streams.map((s) => s.path)).toEqual(["bf/new"]);
  });

  test("explicit streams: added at their tail, idempotent, removed without touching the pattern's link", async () => {
    await t.create(stream("ex/a"), "text/plain", "abc");
    const name = id();
    await putSub(t, name, { ...hook, pattern: "ex/*", streams: ["ex/missing"] });
    expect((await getSub(t, name)).streams).toEqual([
      { path: "ex/a", link_type: "glob", acked_offset: offset(3) },
      { path: "ex/missing", link_type: "explicit", acked_offset: offset(0) },
    ]);
    await t.create(stream("solo"), "text/plain", "12345");
    const add = () => t.request(`${subPath(name)}/streams`, json("POST", { streams: ["solo", "/ex/a"] }));
    expect((await add()).status).toBe(204);
    expect((await add()).status).toBe(204);
    expect((await getSub(t, name)).streams).toEqual([
      { path: "ex/a", link_type: "explicit", acked_offset: offset(3) },
      { path: "ex/missing", link_type: "explicit", acked_offset: offset(0) },
      { path: "solo", link_type: "explicit", acked_offset: offset(5) },
    ]);
    const remove = (path: string) =>
      t.request(`${subPath(name)}/streams/${encodeURIComponent(path)}`, { method: "DELETE" });
    expect((await remove("ex/a")).status).toBe(204);
    expect((await remove("solo")).status).toBe(204);
    expect((await remove("never/linked")).status).toBe(204);
    expect((await getSub(t, name)).streams).toEqual([
      { path: "ex/a", link_type: "glob", acked_offset: offset(3) },
      { path: "ex/missing", link_type: "explicit", acked_offset: offset(0) },
    ]);
    // A stream path with slashes, not encoded, names the same link.
    expect((await t.request(`${subPath(name)}/streams/ex/missing`, { method: "DELETE" })).status).toBe(204);
    expect((await getSub(t, name)).streams.map((s) => s.path)).toEqual(["ex/a"]);
  });

  test("errors adding and removing streams", async () => {
    const name = id();
    await putSub(t, name, { type: "pull-wake", streams: ["p/a"], wake_stream: "wake/p" });
    const post = (body: unknown, target = name) => t.request(`${subPath(target)}/streams`, json("POST", body));
    await expectError(await post({ streams: ["x"] }, "unknown"), 404, "SUBSCRIPTION_NOT_FOUND");
    await expectError(await post({ streams: [] }), 400, "BAD_REQUEST");
    await expectError(await post([]), 400, "BAD_REQUEST");
    await expectError(await post({ streams: [""] }), 400, "INVALID_SUBSCRIPTION");
    await expectError(await post({ streams: ["wake/p"] }), 400, "INVALID_SUBSCRIPTION");
    await expectError(await post({ streams: ["1", "2", "3", "4", "5"] }), 400, "TOO_MANY_SUBSCRIPTION_STREAMS");
    const bad = await t.request(`${subPath(name)}/streams`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "[",
    });
    await expectError(bad, 400, "BAD_REQUEST");
    await expectError(
      await t.request(`${subPath("unknown")}/streams/x`, { method: "DELETE" }),
      404,
      "SUBSCRIPTION_NOT_FOUND",
    );
  });

  test("a pull-wake subscription never links its own wake stream, whatever its pattern", async () => {
    await t.create(stream("loop/wake"), "application/json");
    const name = id();
    await putSub(t, name, { type: "pull-wake", pattern: "loop/*", wake_stream: "loop/wake" });
    await t.create(stream("loop/data"));
    expect((await getSub(t, name)).streams.map((s) => s.path)).toEqual(["loop/data"]);
  });
});

describe("the listing", () => {
  test("pages through subscriptions in id order, without their stream cursors", async () => {
    const app = await subscriptionApp();
    try {
      for (const name of ["c", "a", "b"]) await putSub(app, name, { ...hook, pattern: `${name}/*` });
      const first = await bodyOf<Listing>(app.request(`${BASE}/__ds/subscriptions?limit=2`));
      expect(first.subscriptions.map((s) => s.id)).toEqual(["a", "b"]);
      expect(first.subscriptions[0]).toMatchObject({
        type: "webhook",
        pattern: "a/*",
        status: "active",
        stream_count: 0,
        pending_streams: 0,
      });
      expect(first.subscriptions[0]!.streams).toBeUndefined();
      expect(first.next).toBe("b");
      const second = await bodyOf<Listing>(app.request(`${BASE}/__ds/subscriptions?limit=2&after=b`));
      expect(second).toMatchObject({ subscriptions: [{ id: "c" }], next: null });
      for (const limit of ["0", "1001", "x"]) {
        await expectError(await app.request(`${BASE}/__ds/subscriptions?limit=${limit}`), 400, "BAD_REQUEST");
      }
    } finally {
      await app.close();
    }
  });

  test("past maxSubscriptions a new one is SUBSCRIPTION_LIMIT_REACHED; re-confirming an existing one still works", async () => {
    const app = await subscriptionApp({ subscriptions: { maxSubscriptions: 1 } });
    try {
      expect((await putSub(app, "one", { ...hook, pattern: "a/*" })).status).toBe(201);
      await expectError(await putSub(app, "two", { ...hook, pattern: "a/*" }), 507, "SUBSCRIPTION_LIMIT_REACHED");
      expect((await putSub(app, "one", { ...hook, pattern: "a/*" })).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe("signing keys (§6.5)", () => {
  test("the JWKS is public and cacheable; a rotation keeps the previous key published", async () => {
    const res = await t.request(`${BASE}/__ds/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/jwk-set+json");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const { keys } = await bodyOf<Jwks>(res);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toEqual({
      kty: "OKP",
      crv: "Ed25519",
      kid: expect.stringMatching(/^ds_/),
      use: "sig",
      alg: "EdDSA",
      x: expect.any(String),
    });
    const rotated = await t.request(`${BASE}/__ds/signing-keys/rotate`, { method: "POST" });
    expect(rotated.status).toBe(200);
    const after = await bodyOf<Jwks & { kid: string }>(rotated);
    expect(after.kid).not.toBe(keys[0]!.kid);
    expect(after.keys.map((k) => k.kid)).toEqual([keys[0]!.kid, after.kid]);
    const name = id();
    await putSub(t, name, { ...hook, pattern: "k/*" });
    expect((await getSub(t, name)).webhook?.signing?.kid).toBe(after.kid);
  });

  test("a configured publicUrl is where JWKS and callback URLs point", async () => {
    const app = await subscriptionApp({ publicUrl: "https://streams.example.com/" });
    try {
      const view = await bodyOf<SubscriptionView>(putSub(app, "p", { ...hook, pattern: "a/*" }));
      expect(view.webhook?.signing?.jwks_url).toBe(`https://streams.example.com${BASE}/__ds/jwks.json`);
    } finally {
      await app.close();
    }
  });

  test("behind a trusted proxy X-Forwarded-Proto and -Host name the public URL", async () => {
    const app = await subscriptionApp({ trustProxy: true });
    try {
      const res = await putSub(
        app,
        "p",
        { ...hook, pattern: "a/*" },
        { "x-forwarded-proto": "https", "x-forwarded-host": "edge.example.com" },
      );
      expect((await bodyOf<SubscriptionView>(res)).webhook?.signing?.jwks_url).toBe(
        `https://edge.example.com${BASE}/__ds/jwks.json`,
      );
    } finally {
      await app.close();
    }
  });
});
