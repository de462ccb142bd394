/**
 * Three cluster nodes behind Debian's nginx with the generated configuration: every node gets
 * streams, one stream's requests always land on one node, identical catch-up reads arriving
 * together make one upstream request, and live reads are never collapsed.
 */
import type { IncomingMessage } from "node:http";
import { MemoryStore, type RivuletServer, startServer } from "@rivulet/server";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureNginx } from "../../../server/test/support/debian-package.js";
import { startPostgres, type TestPostgres, testPool } from "../../../server/test/support/postgres.js";
import { findNginx, type NginxProcess, startNginx } from "../../src/cluster/nginx-process.js";

const BASE = "/v1/stream";
let postgres: TestPostgres;
let pool: pg.Pool;
let nginx: NginxProcess;
const nodes: RivuletServer[] = [];
/** Requests each node received, by method and path (query included). */
const seen: string[][] = [];

beforeAll(async () => {
  // CI images carry Debian packages: install nginx when it is missing rather than skip.
  await ensureNginx(findNginx);
  postgres = await startPostgres();
  pool = testPool(await postgres.database(), 6);
  await pool.query(CLUSTER_TABLES);
  const store = new MemoryStore();
  for (const nodeId of ["n0", "n1", "n2"]) {
    const server = await startServer({ port: 0, store, cluster: { nodeId, database: pool } });
    const log: string[] = [];
    server.http.on("request", (request: IncomingMessage) => log.push(`${request.method} ${request.url}`));
    nodes.push(server);
    seen.push(log);
  }
  nginx = await startNginx({ nodes: nodes.map((node) => new URL(node.url).host) });
}, 120_000);

afterAll(async () => {
  await nginx?.stop();
  for (const node of nodes) await node.close({ graceMs: 100 });
  await pool?.end();
  await postgres?.stop();
});

const text = { "content-type": "text/plain" };
const url = (path: string, query = "") => `${nginx.url}${BASE}/${path}${query}`;

describe("nginx in front of three nodes", () => {
  test("streams spread over every node, and each stream's requests land on one node", async () => {
    const owners = new Map<string, string>();
    for (let i = 0; i < 60; i++) {
      const created = await fetch(url(`spread-${i}`), { method: "PUT", headers: text });
      expect(created.status).toBe(201);
      owners.set(`spread-${i}`, created.headers.get("rivulet-node") ?? "");
    }
    expect(new Set(owners.values())).toEqual(new Set(["n0", "n1", "n2"]));
    for (const [path, owner] of [...owners].slice(0, 15)) {
      const appended = await fetch(url(path, "?any=query"), { method: "POST", headers: text, body: "x" });
      expect(appended.status).toBe(204);
      expect(appended.headers.get("rivulet-node")).toBe(owner);
      const head = await fetch(url(path), { method: "HEAD" });
      expect(head.headers.get("rivulet-node")).toBe(owner);
    }
  });

  test("identical catch-up reads arriving together make one upstream request", async () => {
    expect((await fetch(url("collapse"), { method: "PUT", headers: text, body: "history" })).status).toBe(201);
    const read = `${BASE}/collapse?offset=-1`;
    const replies = await Promise.all(Array.from({ length: 20 }, () => fetch(`${nginx.url}${read}`)));
    const bodies = await Promise.all(replies.map((reply) => reply.text()));
    expect(bodies).toEqual(Array(20).fill("history"));
    expect(replies.map((reply) => reply.headers.get("cache-control"))).toContain(
      "public, max-age=60, stale-while-revalidate=300",
    );
    expect(seen.flat().filter((line) => line === `GET ${read}`)).toHaveLength(1);
    expect(new Set(replies.map((reply) => reply.headers.get("rivulet-cache")))).toEqual(new Set(["MISS", "HIT"]));
  });

  test("live reads are never cached nor collapsed: every long-poll reaches the node", async () => {
    const created = await fetch(url("live"), { method: "PUT", headers: text });
    const tail = created.headers.get("stream-next-offset") ?? "";
    const poll = `${BASE}/live?live=long-poll&offset=${encodeURIComponent(tail)}`;
    const waiting = Array.from({ length: 3 }, () => fetch(`${nginx.url}${poll}`));
    const arrived = () => seen.flat().filter((line) => line === `GET ${poll}`).length;
    while (arrived() < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await fetch(url("live"), { method: "POST", headers: text, body: "news" })).status).toBe(204);
    const bodies = await Promise.all((await Promise.all(waiting)).map((reply) => reply.text()));
    expect(bodies).toEqual(["news", "news", "news"]);
    expect(arrived()).toBe(3);
  });

  test("/readyz answers for the cluster", async () => {
    const ready = await fetch(`${nginx.url}/readyz`);
    expect(ready.status).toBe(200);
  });
});

/** The cluster tables (migration 0002-cluster), until the migration runner applies them. */
const CLUSTER_TABLES = (await import("../../../server/src/store/postgres/migrations/0002-cluster.js")).migration.sql;
