/**
 * Access control with static bearer tokens: 401 without or with a bad credential, 403 when
 * the credential does not cover the operation, scopes on path patterns, the open endpoints,
 * and credentials kept out of errors and logs.
 */
import { ProtocolApp, type ServerOptions, type StaticToken } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectError, startApp, type TestApp } from "../handlers/helpers.js";
import { recordingLogger } from "./support.js";

const ALL = "all-access-token-0123456789";
const READER = "public-reader-token-0123456789";
const WRITER = "app-writer-token-0123456789";
const ADMIN = "admin-token-0123456789abcdef";

const auth: ServerOptions["auth"] = {
  tokens: [
    { id: "all", token: ALL, scopes: ["read", "write"] },
    { id: "reader", token: READER, scopes: ["read:/v1/stream/public/**"] },
    { id: "writer", token: WRITER, scopes: ["write:/v1/stream/app/*", "read:/v1/stream/app/*"] },
    { id: "admin", token: ADMIN, scopes: ["admin"] },
  ],
};

const { lines, logger } = recordingLogger();
let t: TestApp;

function send(path: string, token: string | undefined, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set("authorization", `Bearer ${token}`);
  return t.request(path, { ...init, headers });
}

function put(path: string, token = ALL, headers: Record<string, string> = {}) {
  return send(path, token, { method: "PUT", headers: { "content-type": "text/plain", ...headers } });
}

function post(path: string, token: string | undefined, body = "x") {
  return send(path, token, { method: "POST", headers: { "content-type": "text/plain" }, body });
}

beforeAll(async () => {
  t = await startApp({ auth, logger });
  for (const path of ["/v1/stream/public/news", "/v1/stream/app/a", "/v1/stream/private/p"]) {
    expect((await put(path)).status).toBe(201);
  }
});
afterAll(() => t.close());

describe("401 UNAUTHORIZED", () => {
  test("without a credential, with WWW-Authenticate: Bearer and CORS headers", async () => {
    const res = await send("/v1/stream/public/news?offset=-1", undefined, { headers: { origin: "https://a.example" } });
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="rivulet"');
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toContain("www-authenticate");
    await expectError(res, 401, "UNAUTHORIZED");
  });

  test("with an unknown token: invalid_token, and the message does not repeat the token", async () => {
    const guess = "guessed-token-0123456789-abcdef";
    const res = await send("/v1/stream/public/news?offset=-1", guess);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="rivulet", error="invalid_token"');
    const body = await expectError(res, 401, "UNAUTHORIZED");
    expect(JSON.stringify(body)).not.toContain(guess);
  });

  test("a token that differs from a real one only at the end, or is a prefix of one, is refused", async () => {
    await expectError(await send("/v1/stream/app/a?offset=-1", `${ALL.slice(0, -1)}X`), 401, "UNAUTHORIZED");
    await expectError(await send("/v1/stream/app/a?offset=-1", ALL.slice(0, 20)), 401, "UNAUTHORIZED");
    await expectError(await send("/v1/stream/app/a?offset=-1", `${ALL}A`), 401, "UNAUTHORIZED");
  });

  test.each([
    ["another scheme", `Basic ${Buffer.from(`u:${ALL}`).toString("base64")}`],
    ["Bearer without a token", "Bearer"],
    ["two tokens", `Bearer ${ALL} ${ALL}`],
    ["characters outside b64token", `Bearer ${ALL}!`],
    ["an absurdly long token", `Bearer ${"a".repeat(20_000)}`],
    ["the token without the scheme", ALL],
  ])("a malformed Authorization header (%s) is 401", async (_name, value) => {
    const res = await t.request("/v1/stream/app/a?offset=-1", { headers: { authorization: value } });
    await expectError(res, 401, "UNAUTHORIZED");
  });

  test("the scheme is case-insensitive (RFC 6750 §2.1)", async () => {
    const res = await t.request("/v1/stream/app/a?offset=-1", { headers: { authorization: `bearer ${ALL}` } });
    expect(res.status).toBe(200);
  });

  test("unknown routes need a valid credential before they answer 404", async () => {
    await expectError(await send("/elsewhere", undefined), 401, "UNAUTHORIZED");
    await expectError(await send("/elsewhere", READER), 404, "STREAM_NOT_FOUND");
    await expectError(await send("/v1/stream/app/a", READER, { method: "PATCH" }), 405, "METHOD_NOT_ALLOWED");
  });
});

describe("403 FORBIDDEN when the credential does not cover the operation", () => {
  test("a read-only token reads its subtree but cannot write it", async () => {
    expect((await send("/v1/stream/public/news?offset=-1", READER)).status).toBe(200);
    const res = await post("/v1/stream/public/news", READER);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="rivulet", error="insufficient_scope"');
    await expectError(res, 403, "FORBIDDEN");
    await expectError(await put("/v1/stream/public/new", READER), 403, "FORBIDDEN");
    await expectError(await send("/v1/stream/public/news", READER, { method: "DELETE" }), 403, "FORBIDDEN");
  });

  test("a read-only token cannot read outside its subtree, nor the subtree's own path", async () => {
    await expectError(await send("/v1/stream/private/p?offset=-1", READER), 403, "FORBIDDEN");
    await expectError(await send("/v1/stream/publicity?offset=-1", READER), 403, "FORBIDDEN");
    await expectError(await send("/v1/stream/public?offset=-1", READER), 403, "FORBIDDEN");
  });

  test("every read mode needs read: HEAD, long-poll and SSE", async () => {
    const path = "/v1/stream/private/p";
    expect((await send(path, WRITER, { method: "HEAD" })).status).toBe(403);
    await expectError(await send(`${path}?offset=-1&live=long-poll`, WRITER), 403, "FORBIDDEN");
    await expectError(await send(`${path}?offset=-1&live=sse`, WRITER), 403, "FORBIDDEN");
    expect((await send("/v1/stream/app/a", WRITER, { method: "HEAD" })).status).toBe(200);
  });

  test("`*` covers one segment only", async () => {
    expect((await put("/v1/stream/app/b", WRITER)).status).toBe(201);
    expect((await post("/v1/stream/app/b", WRITER)).status).toBe(204);
    await expectError(await put("/v1/stream/app/b/c", WRITER), 403, "FORBIDDEN");
  });

  test("write covers create, append, close and delete", async () => {
    expect((await put("/v1/stream/app/w", WRITER)).status).toBe(201);
    expect((await post("/v1/stream/app/w", WRITER, "data")).status).toBe(204);
    const close = await send("/v1/stream/app/w", WRITER, { method: "POST", headers: { "stream-closed": "true" } });
    expect(close.status).toBe(204);
    expect((await send("/v1/stream/app/w", WRITER, { method: "DELETE" })).status).toBe(204);
  });

  test("a fork needs write on the new stream and read on its source", async () => {
    const fork = (target: string, source: string, token: string) =>
      send(target, token, { method: "PUT", headers: { "stream-forked-from": source } });
    expect((await fork("/v1/stream/app/fork-ok", "/v1/stream/app/a", WRITER)).status).toBe(201);
    const denied = await fork("/v1/stream/app/fork-secret", "/v1/stream/private/p", WRITER);
    await expectError(denied, 403, "FORBIDDEN");
    expect((await send("/v1/stream/app/fork-secret", ALL, { method: "HEAD" })).status).toBe(404);
  });

  test("the admin endpoints (listing, metrics) need admin; read and write do not imply it", async () => {
    const list = "/v1/stream/__ds/streams";
    await expectError(await send(list, ALL), 403, "FORBIDDEN");
    await expectError(await send("/metrics", ALL), 403, "FORBIDDEN");
    await expectError(await send("/metrics", undefined), 401, "UNAUTHORIZED");
    const listed = await send(list, ADMIN);
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { streams: unknown[] }).streams.length).toBeGreaterThan(0);
    expect((await send("/metrics", ADMIN)).status).toBe(200);
    // Admin alone does not read streams.
    await expectError(await send("/v1/stream/app/a?offset=-1", ADMIN), 403, "FORBIDDEN");
  });
});

describe("open without credentials", () => {
  test("a CORS preflight answers 204 with no Authorization", async () => {
    const res = await t.request("/v1/stream/private/p", {
      method: "OPTIONS",
      headers: { origin: "https://a.example", "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-headers")).toContain("authorization");
  });

  test("health and readiness answer without credentials", async () => {
    expect((await t.request("/healthz")).status).toBe(200);
    expect((await t.request("/readyz")).status).toBe(200);
  });
});

describe("credentials stay secret", () => {
  test("logs carry the token id, never a token", async () => {
    await send("/v1/stream/app/a?offset=-1", WRITER);
    await send("/v1/stream/app/a?offset=-1", "not-a-real-token-0123456789");
    const logged = JSON.stringify(lines);
    for (const secret of [ALL, READER, WRITER, ADMIN, "not-a-real-token-0123456789"]) {
      expect(logged).not.toContain(secret);
    }
    expect(lines.some((line) => line.principal === "writer" && line.op === "read")).toBe(true);
  });

  test("configuration errors name the token by id, never by value", () => {
    const make = (tokens: StaticToken[]) => () => new ProtocolApp({ auth: { tokens } });
    expect(make([{ id: "short", token: "abc", scopes: ["read"] }])).toThrow(/short.*at least 16/);
    expect(make([{ token: "has spaces in it 0123456789", scopes: ["read"] }])).toThrow(/token-1.*may only contain/);
    expect(make([{ id: "typo", token: ALL, scopes: ["raed:/x/**"] }])).toThrow(/typo: invalid scope/);
    expect(make([{ token: ALL, scopes: ["read:no-slash"] }])).toThrow(/invalid scope/);
    expect(
      make([
        { id: "dup", token: ALL, scopes: ["read"] },
        { token: ALL, scopes: ["write"] },
      ]),
    ).toThrow(/listed twice/);
    expect(
      make([
        { id: "same", token: ALL, scopes: [] },
        { id: "same", token: READER, scopes: [] },
      ]),
    ).toThrow(/duplicate id/);
    try {
      make([{ token: `${ALL} bad`, scopes: ["read"] }])();
    } catch (error) {
      expect(String(error)).not.toContain(ALL);
    }
    expect(() => new ProtocolApp({ auth: {} })).toThrow(/no tokens and no JWT key/);
  });
});
