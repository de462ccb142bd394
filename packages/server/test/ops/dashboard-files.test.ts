/**
 * The dashboard's files at /ui, from a build directory made here: content types, caching
 * (hashed assets immutable, the page revalidated), ETags, the page's own routes, the config
 * the page reads first, and the states around it (off, not built, base path in the way).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dashboardFeature } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectError, startApp, type TestApp } from "../handlers/helpers.js";

const INDEX = '<!doctype html><script type="module" src="/ui/assets/index-Ab12Cd.js"></script>';
const SCRIPT = "console.log('dashboard')";
let dir: string;
let t: TestApp;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-ui-"));
  await mkdir(join(dir, "assets"));
  await writeFile(join(dir, "index.html"), INDEX);
  await writeFile(join(dir, "assets", "index-Ab12Cd.js"), SCRIPT);
  await writeFile(join(dir, "assets", "index-Ef34Gh.css"), "body{}");
  await writeFile(join(dir, "favicon.svg"), "<svg/>");
  t = await startApp({ ui: false, features: [dashboardFeature({ directory: dir })] });
});
afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the dashboard's files", () => {
  test("the page: HTML, revalidated on every load, not frameable, scripts only from itself", async () => {
    for (const path of ["/ui", "/ui/"]) {
      const res = await t.request(path);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(INDEX);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    }
  });

  test("hashed assets: their content type, cached for good", async () => {
    const script = await t.request("/ui/assets/index-Ab12Cd.js");
    expect(script.status).toBe(200);
    expect(await script.text()).toBe(SCRIPT);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(script.headers.get("content-security-policy")).toBeNull();
    const style = await t.request("/ui/assets/index-Ef34Gh.css");
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const icon = await t.request("/ui/favicon.svg");
    expect([icon.headers.get("content-type"), icon.headers.get("cache-control")]).toEqual([
      "image/svg+xml",
      "no-cache",
    ]);
  });

  test("an ETag revalidates to 304, strong or weak (compressed), alone or in a list", async () => {
    const first = await t.request("/ui/assets/index-Ab12Cd.js");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const again = await t.request("/ui/assets/index-Ab12Cd.js", { headers: { "if-none-match": header } });
      expect(again.status, header).toBe(304);
    }
    const changed = await t.request("/ui/assets/index-Ab12Cd.js", { headers: { "if-none-match": '"other"' } });
    expect(changed.status).toBe(200);
  });

  test("the page's own routes are the page; a missing asset or root file is 404", async () => {
    for (const path of ["/ui/streams", "/ui/streams/chat/room-1", "/ui/streams/data/file.json"]) {
      const res = await t.request(path);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe(INDEX);
    }
    await expectError(await t.request("/ui/assets/gone-123.js"), 404, "STREAM_NOT_FOUND");
    await expectError(await t.request("/ui/robots.txt"), 404, "STREAM_NOT_FOUND");
  });

  test("config.json tells the page its base path and that this server needs no token", async () => {
    const res = await t.request("/ui/config.json");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ basePath: "/v1/stream", auth: false });
  });

  test("other methods are 405 naming GET and HEAD", async () => {
    const res = await t.request("/ui/streams", { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });
});

describe("around the dashboard", () => {
  test("a server with auth says the page must ask for a token, and serves the files without one", async () => {
    const app = await startApp({
      ui: false,
      auth: { tokens: [{ token: "a".repeat(32), id: "admin", scopes: ["admin"] }] },
      features: [dashboardFeature({ directory: dir })],
    });
    try {
      expect(await (await app.request("/ui/config.json")).json()).toEqual({ basePath: "/v1/stream", auth: true });
      expect((await app.request("/ui/streams")).status).toBe(200);
      await expectError(await app.request("/v1/stream/__ds/streams"), 401, "UNAUTHORIZED");
    } finally {
      await app.close();
    }
  });

  test("ui: false leaves /ui unrouted; a directory without a build answers 503 saying so", async () => {
    const off = await startApp({ ui: false });
    const unbuilt = await startApp({ ui: false, features: [dashboardFeature({ directory: join(dir, "none") })] });
    try {
      await expectError(await off.request("/ui"), 404, "STREAM_NOT_FOUND");
      const body = await expectError(await unbuilt.request("/ui"), 503, "UNAVAILABLE");
      expect(JSON.stringify(body)).toContain("npm run build");
    } finally {
      await off.close();
      await unbuilt.close();
    }
  });

  test("a base path under /ui keeps its streams: the dashboard stays off", async () => {
    const app = await startApp({
      basePath: "/ui/streams",
      ui: false,
      features: [dashboardFeature({ directory: dir })],
    });
    try {
      expect((await app.request("/ui/streams/x", { method: "PUT" })).status).toBe(201);
      await expectError(await app.request("/ui"), 404, "STREAM_NOT_FOUND");
    } finally {
      await app.close();
    }
  });
});
