/** CORS (configured origins, preflight) and browser security headers (PROTOCOL §12.7). */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readersWaiting } from "../support/live-readers.js";
import { encode, startApp, type TestApp } from "./helpers.js";

function expectSecurityHeaders(res: Response): void {
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
}

describe("CORS with the default origin *", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  test("a preflight is 204 with methods, the requested headers and a max age", async () => {
    const res = await t.request(t.path(), {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, producer-id",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("content-type, producer-id");
    expect(res.headers.get("access-control-max-age")).toBe("86400");
    expectSecurityHeaders(res);
  });

  test("a preflight without requested headers allows the protocol's request headers", async () => {
    const res = await t.request(t.path(), { method: "OPTIONS", headers: { origin: "https://x.example" } });
    const allowed = res.headers.get("access-control-allow-headers")!;
    for (const name of [
      "content-type",
      "stream-closed",
      "stream-seq",
      "producer-id",
      "producer-epoch",
      "if-none-match",
      "stream-retention-ms",
      "stream-retention-bytes",
      "stream-expected-offset",
      "stream-expected-seq",
    ]) {
      expect(allowed).toContain(name);
    }
    expect(res.headers.get("access-control-allow-methods")).toContain("PATCH");
  });

  test("responses expose the protocol headers to scripts", async () => {
    const path = t.path();
    const res = await t.request(path, { method: "PUT", headers: { origin: "https://app.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const exposed = res.headers.get("access-control-expose-headers")!;
    for (const name of ["stream-next-offset", "stream-cursor", "stream-closed", "stream-up-to-date", "etag"]) {
      expect(exposed).toContain(name);
    }
  });

  test("a live session exposes only the headers its head carries, which stays in memory for the session", async () => {
    const path = t.path();
    await t.request(path, { method: "PUT", headers: { "content-type": "application/octet-stream" } });
    const abort = new AbortController();
    const sse = await t.request(`${path}?offset=-1&live=sse`, { signal: abort.signal });
    const exposed = sse.headers.get("access-control-expose-headers")!.split(", ");
    abort.abort();
    expect(sse.status).toBe(200);
    // A byte stream's SSE names its data encoding (§5.8): the client reads it.
    expect(exposed).toEqual(expect.arrayContaining(["stream-sse-data-encoding", "x-request-id"]));
    for (const name of exposed) expect(sse.headers.get(name), name).not.toBeNull();
    expect(exposed).not.toContain("stream-next-offset");
    // A one-shot read keeps the whole list: it may be cached and served to a browser later.
    const read = await t.request(`${path}?offset=-1`);
    expect(read.headers.get("access-control-expose-headers")).toContain("stream-next-offset");
    expect(read.headers.get("access-control-expose-headers")).toContain("stream-sse-data-encoding");
  });

  test("long-poll waiters woken by one append expose exactly the headers their replies carry", async () => {
    const path = t.path();
    await t.request(path, { method: "PUT", headers: { "content-type": "text/plain" } });
    const tail = (await t.request(path, { method: "HEAD" })).headers.get("stream-next-offset")!;
    const waiting = [1, 2].map(() => t.request(`${path}?offset=${tail}&live=long-poll`));
    await readersWaiting(t.app.engine, path, 2);
    await t.request(path, { method: "POST", headers: { "content-type": "text/plain" }, body: encode("hi") });
    const replies = await Promise.all(waiting);
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      const exposed = reply.headers.get("access-control-expose-headers")!.split(", ");
      // Each reply's own headers (cursor, earliest offset, request id) are listed with the shared ones.
      for (const name of ["stream-next-offset", "etag", "stream-cursor", "stream-earliest-offset", "x-request-id"]) {
        expect(exposed, name).toContain(name);
      }
      for (const name of exposed) expect(reply.headers.get(name), name).not.toBeNull();
      expect(exposed).not.toContain("producer-epoch");
    }
  });

  test("error responses carry CORS and security headers, so browsers can read them", async () => {
    const res = await t.request(t.path("missing"), { headers: { origin: "https://app.example" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expectSecurityHeaders(res);
  });

  test("writes without Origin (no browser made them) answer without CORS headers; reads keep them", async () => {
    const path = t.path();
    const created = await t.request(path, { method: "PUT", headers: { "content-type": "text/plain" } });
    expect(created.status).toBe(201);
    expect(created.headers.get("access-control-allow-origin")).toBeNull();
    const appended = await t.request(path, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: encode("a"),
    });
    expect(appended.status).toBe(204);
    expect(appended.headers.get("access-control-expose-headers")).toBeNull();
    expectSecurityHeaders(appended);
    const fromBrowser = await t.request(path, {
      method: "POST",
      headers: { "content-type": "text/plain", origin: "https://app.example" },
      body: encode("b"),
    });
    expect(fromBrowser.headers.get("access-control-allow-origin")).toBe("*");
    expect(fromBrowser.headers.get("access-control-expose-headers")).toContain("stream-next-offset");
    // A read's answer may be cached and served to a browser later: it carries them without Origin.
    const read = await t.request(`${path}?offset=-1`);
    expect(read.headers.get("access-control-allow-origin")).toBe("*");
    expect(read.headers.get("access-control-expose-headers")).toContain("stream-next-offset");
  });
});

describe("CORS with a configured origin list", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ corsOrigins: ["https://allowed.example"] });
  });
  afterAll(() => t.close());

  test("an allowed origin is echoed, with Vary: origin", async () => {
    const res = await t.request(t.path(), { method: "PUT", headers: { origin: "https://allowed.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://allowed.example");
    expect(res.headers.get("access-control-expose-headers")).toContain("stream-next-offset");
    expect(res.headers.get("vary")).toContain("origin");
  });

  test("another origin gets no allow-origin (the browser blocks it), but the request is still answered", async () => {
    const res = await t.request(t.path(), { method: "PUT", headers: { origin: "https://evil.example" } });
    expect(res.status).toBe(201);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-expose-headers")).toBeNull();
    expect(res.headers.get("vary")).toContain("origin");
  });

  test("an allowed origin's live session exposes only the headers its head carries too", async () => {
    const path = t.path();
    await t.request(path, { method: "PUT", headers: { "content-type": "application/json" } });
    const abort = new AbortController();
    const sse = await t.request(`${path}?offset=-1&live=sse`, {
      headers: { origin: "https://allowed.example" },
      signal: abort.signal,
    });
    const exposed = sse.headers.get("access-control-expose-headers")!.split(", ");
    abort.abort();
    expect(sse.headers.get("access-control-allow-origin")).toBe("https://allowed.example");
    expect(exposed).toContain("x-request-id");
    for (const name of exposed) expect(sse.headers.get(name), name).not.toBeNull();
  });

  test("preflights follow the same list", async () => {
    const preflight = (origin: string) =>
      t.request(t.path(), { method: "OPTIONS", headers: { origin, "access-control-request-method": "PUT" } });
    expect((await preflight("https://allowed.example")).headers.get("access-control-allow-origin")).toBe(
      "https://allowed.example",
    );
    expect((await preflight("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
  });

  test("no Origin header gets no allow-origin", async () => {
    const res = await t.request(t.path("missing"));
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("security headers (§12.7)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  test("on successful responses of every operation", async () => {
    const path = t.path();
    const responses = [
      await t.request(path, { method: "PUT", headers: { "content-type": "text/plain" } }),
      await t.request(path, { method: "POST", headers: { "content-type": "text/plain" }, body: encode("x") }),
      await t.request(path),
      await t.request(path, { method: "HEAD" }),
      await t.request(`${path}?offset=-1&live=long-poll`),
      await t.request(path, { method: "DELETE" }),
    ];
    for (const res of responses) expectSecurityHeaders(res);
  });

  test.each<[string, string, RequestInit]>([
    ["404", "/v1/stream/nope-security", {}],
    ["400", "/v1/stream/x?offset=bad", {}],
    ["400 INVALID_PATH", "/v1/stream/%zz", {}],
    ["405", "/v1/stream/x", { method: "PATCH" }],
  ])("on error responses (%s)", async (_, path, init) => {
    const res = await t.request(path, init);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expectSecurityHeaders(res);
  });

  test("on 409 conflicts", async () => {
    const path = t.path();
    await t.create(path, "text/plain");
    const res = await t.request(path, { method: "PUT", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(409);
    expectSecurityHeaders(res);
  });
});
