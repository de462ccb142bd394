/** Operator endpoints: /healthz, /readyz, /metrics, request ids, and what logs may contain. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, MemoryStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterEach, describe, expect, test } from "vitest";
import { faultyIo } from "../store/faulty-io.js";
import { readersWaiting } from "../support/live-readers.js";

const servers: RivuletServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close({ graceMs: 100 })));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function start(options: Parameters<typeof startServer>[0] = {}) {
  const server = await startServer({ port: 0, store: new MemoryStore(), ...options });
  servers.push(server);
  return server;
}

describe("health and readiness", () => {
  test("/healthz answers 200 while the process serves", async () => {
    const server = await start();
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  test("/readyz is 200 when the store can write, 503 while the disk is full, 200 again after", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rivulet-ready-"));
    dirs.push(dir);
    const io = faultyIo();
    const server = await start({ store: new FileStore({ dir, io }) });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const url = `${server.url}/v1/stream/r`;
    await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
    io.failWrites = { match: /./, code: "ENOSPC" };
    expect((await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" })).status).toBe(
      507,
    );
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: "unavailable", detail: "the disk is full" });
    io.failWrites = undefined;
    expect((await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "y" })).status).toBe(
      204,
    );
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  test("ops endpoints refuse other methods", async () => {
    const server = await start();
    expect((await fetch(`${server.url}/healthz`, { method: "POST" })).status).toBe(405);
  });
});

describe("metrics", () => {
  test("/metrics exposes requests by operation and status, appends, bytes, streams, live connections and commits", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rivulet-metrics-"));
    dirs.push(dir);
    const server = await start({ store: new FileStore({ dir }), longPollTimeoutMs: 5_000 });
    const url = `${server.url}/v1/stream/m`;
    await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
    await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "12345" });
    await fetch(`${url}?offset=-1`);
    await fetch(`${server.url}/v1/stream/missing`);
    await fetch(`${server.url}/v1/stream/missing-too`);
    const tail = (await fetch(`${url}?offset=now`)).headers.get("stream-next-offset")!;
    const poll = fetch(`${url}?offset=${tail}&live=long-poll`);
    await readersWaiting(server.app.engine, "/v1/stream/m");

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('rivulet_http_requests_total{operation="create",status="201"} 1');
    expect(text).toContain('rivulet_http_requests_total{operation="append",status="204"} 1');
    // The second 404 read counts in the same series as the first.
    expect(text).toContain('rivulet_http_requests_total{operation="read",status="404"} 2');
    expect(text).toContain('rivulet_http_request_duration_seconds_count{operation="read",status="404"} 2');
    expect(text).toMatch(/rivulet_http_request_duration_seconds_bucket\{le="[^"]+",operation="read",status="200"\}/);
    expect(text).toContain("rivulet_appends_total 1");
    expect(text).toContain("rivulet_append_bytes_total 5");
    expect(text).toContain("rivulet_streams 1");
    expect(text).toContain('rivulet_live_connections{mode="long-poll"} 1');
    expect(text).toMatch(/rivulet_store_commit_records_count [1-9]/);
    expect(text).toMatch(/rivulet_store_commit_seconds_count [1-9]/);
    expect(text).toMatch(/rivulet_store_bytes [1-9]/);
    expect(text).toContain("rivulet_process_resident_memory_bytes");

    await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "wake" });
    expect((await poll).status).toBe(200);
    const after = await (await fetch(`${server.url}/metrics`)).text();
    expect(after).toContain('rivulet_live_connections{mode="long-poll"} 0');
  });

  test("metrics can be turned off", async () => {
    const server = await start({ metrics: false });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  });
});

describe("request ids and logs", () => {
  function capture() {
    const lines: Array<Record<string, unknown>> = [];
    const push = (fields: object, msg?: string) => lines.push({ ...fields, msg });
    return { lines, logger: { debug: push, info: push, warn: push, error: push } };
  }

  test("every response has X-Request-Id: the client's when sane, otherwise a new one; logs carry it", async () => {
    const { lines, logger } = capture();
    const server = await start({ logger });
    const given = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": "abc-123" } });
    expect(given.headers.get("x-request-id")).toBe("abc-123");
    const insane = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": "no spaces allowed" } });
    const fresh = insane.headers.get("x-request-id")!;
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/);
    expect((await fetch(`${server.url}/nope`)).headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.map((l) => l.reqId)).toEqual(expect.arrayContaining(["abc-123", fresh]));
  });

  test("logs never contain a credential, a query string or a body", async () => {
    const { lines, logger } = capture();
    const server = await start({ logger });
    const url = `${server.url}/v1/stream/secret-test`;
    const headers = { "content-type": "text/plain", authorization: "Bearer TOPSECRET-TOKEN" };
    await fetch(url, { method: "PUT", headers });
    await fetch(url, { method: "POST", headers, body: "PRIVATE-BODY" });
    await fetch(`${url}?offset=-1&token=QUERY-SECRET`, { headers });
    const logged = JSON.stringify(lines);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(logged).not.toContain("TOPSECRET-TOKEN");
    expect(logged).not.toContain("PRIVATE-BODY");
    expect(logged).not.toContain("QUERY-SECRET");
  });

  test("request lines are not built for a logger whose info level is off, and are for one that cannot say", async () => {
    const quiet = capture();
    const levels: string[] = [];
    const server = await start({
      logger: {
        ...quiet.logger,
        isLevelEnabled: (level) => {
          levels.push(level);
          return level !== "info";
        },
      },
    });
    await fetch(`${server.url}/v1/stream/quiet-log`, { method: "PUT", headers: { "content-type": "text/plain" } });
    expect(levels).toContain("info");
    expect(quiet.lines.filter((line) => line.msg === "request")).toEqual([]);
    const plain = capture();
    const other = await start({ logger: plain.logger });
    await fetch(`${other.url}/v1/stream/plain-log`, { method: "PUT", headers: { "content-type": "text/plain" } });
    expect(plain.lines.filter((line) => line.msg === "request").map((line) => line.op)).toEqual(["create"]);
  });
});
