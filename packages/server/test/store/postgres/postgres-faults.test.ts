/**
 * A database that goes away: requests fail fast with a retryable 503 and Retry-After (never a
 * hang, never a 500), /readyz says not ready, and once PostgreSQL is back the same node serves
 * again by itself — nothing restarted but the database.
 */
import { PostgresStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPostgres, type TestPostgres } from "../../support/postgres.js";

let postgres: TestPostgres;
let server: RivuletServer;
beforeAll(async () => {
  postgres = await startPostgres();
  const store = new PostgresStore({ url: await postgres.database(), probeMs: 100, connectTimeoutMs: 1000 });
  server = await startServer({ port: 0, store });
}, 60_000);
afterAll(async () => {
  await server?.close({ graceMs: 100 });
  await postgres?.stop();
});

/** A request that must be answered: a hang fails the test instead of stalling it. */
function request(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
}

const append = (path: string, body: string) =>
  request(`/v1/stream${path}`, { method: "POST", headers: { "content-type": "text/plain" }, body });

describe("PostgreSQL stopped and started under a running node", () => {
  test("requests get 503 + Retry-After while it is down, /readyz follows, and the node recovers alone", async () => {
    expect((await request("/v1/stream/f/a", { method: "PUT", headers: { "content-type": "text/plain" } })).status).toBe(
      201,
    );
    expect((await append("/f/a", "before;")).status).toBe(204);
    expect((await request("/readyz")).status).toBe(200);

    await postgres.stopServer();
    try {
      const refused = [
        await append("/f/a", "during;"),
        await request("/v1/stream/f/new", { method: "PUT", headers: { "content-type": "text/plain" } }),
        await request("/v1/stream/f/unknown"),
      ];
      for (const response of refused) {
        expect(response.status).toBe(503);
        expect(response.headers.get("retry-after")).toBe("1");
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe("STORE_UNAVAILABLE");
      }
      await expect.poll(async () => (await request("/readyz")).status, { timeout: 10_000 }).toBe(503);
      const body = (await (await request("/readyz")).json()) as { status: string; detail: string };
      expect(body).toMatchObject({ status: "unavailable" });
      expect(body.detail).toContain("PostgreSQL");
    } finally {
      await postgres.startServer();
    }

    // The pool reconnects by itself: the same node serves again.
    await expect.poll(async () => (await append("/f/a", "after;")).status, { timeout: 15_000 }).toBe(204);
    await expect.poll(async () => (await request("/readyz")).status, { timeout: 10_000 }).toBe(200);
    const read = await request("/v1/stream/f/a?offset=-1");
    expect(await read.text()).toBe("before;after;");
  });
});
