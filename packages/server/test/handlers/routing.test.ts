/** Routing errors: paths outside the base path, reserved segments, methods, paths, live modes. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BASE, expectError, startApp, type TestApp } from "./helpers.js";

describe("routing", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  test.each(["/", "/other/x", "/v1/streamx/a", BASE, `${BASE}/`])("GET %s is STREAM_NOT_FOUND", async (path) => {
    await expectError(await t.request(path), 404, "STREAM_NOT_FOUND");
  });

  test("PUT outside the base path creates nothing", async () => {
    await expectError(await t.request("/elsewhere/s", { method: "PUT" }), 404, "STREAM_NOT_FOUND");
  });

  test("the reserved __ds first segment is STREAM_NOT_FOUND for every method (PROTOCOL §6)", async () => {
    for (const method of ["GET", "PUT", "POST", "DELETE"]) {
      await expectError(await t.request(`${BASE}/__ds/nothing-here/x`, { method }), 404, "STREAM_NOT_FOUND");
    }
    await expectError(await t.request(`${BASE}/__ds`, { method: "PUT" }), 404, "STREAM_NOT_FOUND");
  });

  test("__ds deeper in the path is an ordinary stream name", async () => {
    const res = await t.request(`${BASE}/app/__ds`, { method: "PUT" });
    expect(res.status).toBe(201);
  });

  test("an unsupported method is METHOD_NOT_ALLOWED with an Allow header", async () => {
    const path = t.path();
    await t.create(path);
    const res = await t.request(path, { method: "PATCH", body: "x" });
    expect(res.headers.get("allow")).toBe("GET, HEAD, POST, PUT, DELETE, OPTIONS");
    await expectError(res, 405, "METHOD_NOT_ALLOWED");
  });

  test("bad percent-encoding in the path is INVALID_PATH", async () => {
    const res = await t.request(`${BASE}/bad%E0%A4%A`);
    await expectError(res, 400, "INVALID_PATH");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("percent-encoded names address the decoded path", async () => {
    const res = await t.request(`${BASE}/caf%C3%A9-routing`, { method: "PUT" });
    expect(res.status).toBe(201);
    expect((await t.request(`${BASE}/café-routing`, { method: "HEAD" })).status).toBe(200);
  });

  test.each(["poll", "", "SSE", "long_poll"])("live=%j is INVALID_LIVE_MODE", async (live) => {
    const path = t.path();
    await t.create(path);
    await expectError(await t.request(`${path}?offset=-1&live=${live}`), 400, "INVALID_LIVE_MODE");
  });

  test.each([
    ["stream-fork-offset", "0000000000000000_0000000000000000"],
    ["stream-fork-sub-offset", "1"],
  ])("PUT with %s but no Stream-Forked-From is BAD_REQUEST", async (header, value) => {
    const path = t.path();
    await expectError(await t.request(path, { method: "PUT", headers: { [header]: value } }), 400, "BAD_REQUEST");
    expect((await t.request(path, { method: "HEAD" })).status).toBe(404);
  });
});

describe("a custom basePath", () => {
  test("serves streams under it (trailing slash ignored) and nowhere else", async () => {
    const t = await startApp({ basePath: "/streams/" });
    try {
      expect((await t.request("/streams/a", { method: "PUT" })).status).toBe(201);
      expect((await t.request("/streams/a", { method: "HEAD" })).status).toBe(200);
      await expectError(await t.request(`${BASE}/a`, { method: "PUT" }), 404, "STREAM_NOT_FOUND");
    } finally {
      await t.close();
    }
  });
});
