/**
 * Singleton features across two nodes (leases on the real PostgreSQL; both nodes share one
 * MemoryStore, as nodes share the database): the lease holder serves their routes, the other
 * node forwards them there — bodies, headers and event streams — and takes the work over with
 * its durable state when the owner goes; plain stream operations are served by any node.
 */
import { request as httpRequest } from "node:http";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { FORWARDED_BY } from "../../src/cluster/forward/headers.js";
import { acquireOrRenew, heartbeat } from "../../src/cluster/leases/lease-store.js";
import type { Feature } from "../../src/feature.js";
import { type RivuletServer, startServer } from "../../src/server.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { migration } from "../../src/store/postgres/migrations/0002-cluster.js";
import { startPostgres, type TestPostgres, testPool } from "../support/postgres.js";

const leaseTiming = { ttlMs: 1_500, renewEveryMs: 200, safetyMs: 400 };

let postgres: TestPostgres;
const pools: pg.Pool[] = [];
const servers: RivuletServer[] = [];
beforeAll(async () => {
  postgres = await startPostgres();
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close({ graceMs: 100 });
  for (const pool of pools.splice(0)) await pool.end();
});
afterAll(() => postgres?.stop());

async function database(): Promise<pg.Pool> {
  const pool = testPool(await postgres.database(), 6);
  pools.push(pool);
  await pool.query(migration.sql);
  return pool;
}

/** A singleton feature of the test's own: echoes what reached it, and streams events. */
const echo: Feature = {
  name: "echo",
  singleton: true,
  setup(host) {
    host.route({
      method: "POST",
      path: "__ds/echo",
      operation: "echo",
      access: "open",
      async handle(request) {
        const body = new TextDecoder().decode(await request.readBody(1 << 20));
        const seen = { body, header: request.header("x-custom"), hop: request.header("keep-alive") ?? null };
        return { status: 200, headers: { "content-type": "application/json" }, body: [json(seen)] };
      },
    });
    host.route({
      method: "GET",
      path: "__ds/echo/events",
      operation: "echo-events",
      access: "open",
      async handle(request) {
        const count = Number(request.query.get("count"));
        return {
          status: 200,
          headers: { "content-type": "text/event-stream" },
          stream: (sink) => {
            for (let i = 0; i < count; i++) sink.write(`data: ${i}\n\n`);
            sink.end();
          },
        };
      },
    });
  },
};

async function node(pool: pg.Pool, store: MemoryStore, nodeId: string): Promise<RivuletServer> {
  const server = await startServer({
    port: 0,
    store,
    features: [echo],
    cluster: { nodeId, database: pool, leaseTiming },
  });
  servers.push(server);
  return server;
}

/** Waits for a condition the lease loop brings about (checked as often as it renews). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
}

async function cluster() {
  const pool = await database();
  const store = new MemoryStore();
  const a = await node(pool, store, "a");
  await until(() => a.app.cluster?.work.running === true);
  const b = await node(pool, store, "b");
  // b knows the owner once its first lease attempt answered.
  await until(() => b.app.cluster?.current() === undefined && viewOf(b) === "other");
  return { pool, store, a, b };
}

function viewOf(server: RivuletServer): string | undefined {
  return (server.app.cluster as unknown as { manager?: { view: { kind: string } } }).manager?.view.kind;
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("forwarding to the lease holder", () => {
  test("a singleton route on the other node is answered by the owner, body and headers carried", async () => {
    const { a, b } = await cluster();
    const response = await fetch(`${b.url}/v1/stream/__ds/echo`, {
      method: "POST",
      headers: { "x-custom": "kept", "content-type": "text/plain" },
      body: "hello",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("rivulet-node")).toBe("b");
    expect(await response.json()).toEqual({ body: "hello", header: "kept", hop: null });
    expect(a.app.cluster?.work.running).toBe(true);
    expect(b.app.cluster?.work.running).toBe(false);
  });

  test("hop-by-hop headers, and those Connection names, stay on their hop", async () => {
    const { b } = await cluster();
    const answer = await rawPost(`${b.url}/v1/stream/__ds/echo`, "x", {
      connection: "keep-alive, x-custom",
      "keep-alive": "timeout=5",
      "x-custom": "hop only",
    });
    expect(JSON.parse(answer)).toEqual({ body: "x", hop: null });
  });

  test("an event stream is relayed as the owner writes it", async () => {
    const { b } = await cluster();
    const response = await fetch(`${b.url}/v1/stream/__ds/echo/events?count=500`);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const events = text.split("\n\n").filter(Boolean);
    expect(events).toHaveLength(500);
    expect(events.at(-1)).toBe("data: 499");
  });

  test("a topic made through the other node lives on the owner, and survives the owner going away", async () => {
    const { a, b } = await cluster();
    expect((await fetch(`${b.url}/v1/stream/__ds/topics/orders`, { method: "PUT" })).status).toBe(201);
    expect(((await (await fetch(`${a.url}/v1/stream/__ds/topics/orders`)).json()) as { name: string }).name).toBe(
      "orders",
    );
    await a.close({ graceMs: 100 });
    servers.splice(servers.indexOf(a), 1);
    await until(() => b.app.cluster?.work.running === true);
    const described = await fetch(`${b.url}/v1/stream/__ds/topics/orders`);
    expect(described.status).toBe(200);
    expect(b.app.cluster?.current()).toMatchObject({ holder: "b", epoch: 2 });
  });

  test("a request another node forwarded is never forwarded again (loop guard)", async () => {
    const { b } = await cluster();
    const response = await fetch(`${b.url}/v1/stream/__ds/topics`, { headers: { [FORWARDED_BY]: "z" } });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");
  });

  test("an owner that cannot be reached is a retryable 503; plain stream operations still work", async () => {
    const pool = await database();
    // A node that took the lease and died: its address answers nothing.
    await heartbeat(pool, "ghost", "http://127.0.0.1:9");
    await acquireOrRenew(pool, "leader", "ghost", undefined, 60_000);
    const b = await node(pool, new MemoryStore(), "b");
    await until(() => viewOf(b) === "other");
    const refused = await fetch(`${b.url}/v1/stream/__ds/topics`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    const text = { "content-type": "text/plain" };
    expect((await fetch(`${b.url}/v1/stream/plain`, { method: "PUT", headers: text })).status).toBe(201);
    expect((await fetch(`${b.url}/v1/stream/plain`, { method: "POST", body: "x", headers: text })).status).toBe(204);
  });

  test("before any owner is known, singleton routes answer 503 with Retry-After", async () => {
    const pool = await database();
    await pool.query("DROP TABLE rivulet_leases");
    const b = await node(pool, new MemoryStore(), "b");
    const response = await fetch(`${b.url}/v1/stream/__ds/topics`);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
  });
});

/** A POST through node:http, so hop-by-hop headers reach the server as sent. */
function rawPost(url: string, body: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      { method: "POST", headers: { ...headers, "content-type": "text/plain" } },
      (response) => {
        const parts: Buffer[] = [];
        response.on("data", (part: Buffer) => parts.push(part));
        response.on("end", () => resolve(Buffer.concat(parts).toString()));
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}
