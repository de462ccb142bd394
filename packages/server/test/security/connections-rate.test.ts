/**
 * Caps on concurrent live reads (503 TOO_MANY_CONNECTIONS with Retry-After) and request rates
 * (429 RATE_LIMITED with Retry-After), per client address and per credential. Clients are
 * told apart by X-Forwarded-For with trustProxy, so one test machine can be many clients.
 */
import { createFetchHandler, MemoryStore, ProtocolApp, type RivuletServer, startServer } from "@rivulet/server";
import { afterEach, describe, expect, test, vi } from "vitest";
import { readersWaiting } from "../support/live-readers.js";
import { metric, sleep } from "./support.js";

const servers: RivuletServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close({ graceMs: 100 })));
});

async function start(options: Parameters<typeof startServer>[0]) {
  const server = await startServer({ port: 0, store: new MemoryStore(), ...options });
  servers.push(server);
  return server;
}

/** A stream holding one byte, so a live read from offset -1 answers at once; `tail` waits. */
async function stream(server: RivuletServer, name: string): Promise<{ url: string; tail: string }> {
  const url = `${server.url}/v1/stream/${name}`;
  const res = await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: "s" });
  return { url, tail: res.headers.get("stream-next-offset")! };
}

const as = (client: string) => ({ "x-forwarded-for": `10.9.8.7, ${client}` });

describe("live connections", () => {
  test("per client: past the cap a long-poll is 503 TOO_MANY_CONNECTIONS with Retry-After; others still get in", async () => {
    const server = await start({ maxLiveConnectionsPerClient: 2, trustProxy: true, longPollTimeoutMs: 5_000 });
    const { url, tail } = await stream(server, "lp");
    const poll = `${url}?offset=${tail}&live=long-poll`;
    const waiting = [fetch(poll, { headers: as("1.1.1.1") }), fetch(poll, { headers: as("1.1.1.1") })];
    await readersWaiting(server.app.engine, "/v1/stream/lp", 2);
    const refused = await fetch(poll, { headers: as("1.1.1.1") });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("TOO_MANY_CONNECTIONS");
    // Another client has its own allowance, and SSE counts against the same cap.
    const other = await fetch(`${url}?offset=${tail}&live=sse`, { headers: as("2.2.2.2") });
    expect(other.status).toBe(200);
    // Waking the waiters gives their slots back.
    await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "wake" });
    for (const res of await Promise.all(waiting)) expect(res.status).toBe(200);
    const again = await fetch(`${url}?offset=-1&live=long-poll`, { headers: as("1.1.1.1") });
    expect(again.status).toBe(200);
    await other.body?.cancel();
    expect(await metric(server, 'rivulet_rejections_total{code="TOO_MANY_CONNECTIONS"}')).toBe(1);
  });

  test("in total: the server-wide cap holds across clients; an SSE session's slot returns when it ends", async () => {
    const server = await start({ maxLiveConnections: 2, trustProxy: true, longPollTimeoutMs: 5_000 });
    const { url, tail } = await stream(server, "sse");
    const sse = `${url}?offset=${tail}&live=sse`;
    const first = await fetch(sse, { headers: as("3.3.3.1") });
    const second = await fetch(sse, { headers: as("3.3.3.2") });
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await fetch(sse, { headers: as("3.3.3.3") });
    expect(third.status).toBe(503);
    expect(third.headers.get("retry-after")).toBe("5");
    await first.body?.cancel();
    // The server notices the cancelled session, and its slot is free again.
    await vi.waitFor(async () => expect(await metric(server, 'rivulet_live_connections{mode="sse"}')).toBe(1), {
      timeout: 10_000,
    });
    const retry = await fetch(`${url}?offset=-1&live=long-poll`, { headers: as("3.3.3.3") });
    expect(retry.status).toBe(200);
    await second.body?.cancel();
  });

  test("a live read refused for another reason (404) does not keep its slot", async () => {
    const server = await start({ maxLiveConnectionsPerClient: 1, longPollTimeoutMs: 5_000 });
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${server.url}/v1/stream/missing?offset=-1&live=long-poll`)).status).toBe(404);
      expect((await fetch(`${server.url}/v1/stream/missing?offset=-1&live=sse`)).status).toBe(404);
    }
    const { url } = await stream(server, "after-404");
    const res = await fetch(`${url}?offset=-1&live=long-poll`);
    expect(res.status).toBe(200);
  });

  test("without trustProxy, X-Forwarded-For is ignored: one address is one client", async () => {
    const server = await start({ maxLiveConnectionsPerClient: 1, longPollTimeoutMs: 5_000 });
    const { url, tail } = await stream(server, "spoof");
    const poll = `${url}?offset=${tail}&live=long-poll`;
    const held = fetch(poll, { headers: as("4.4.4.1") });
    await readersWaiting(server.app.engine, "/v1/stream/spoof");
    expect((await fetch(poll, { headers: as("4.4.4.2") })).status).toBe(503);
    await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" });
    expect((await held).status).toBe(200);
  });
});

describe("request rate", () => {
  test("per client: a burst, then 429 RATE_LIMITED with Retry-After; health checks are never limited", async () => {
    const server = await start({ rateLimitPerClient: 1, rateLimitPerClientBurst: 3, trustProxy: true });
    const { url } = await stream(server, "rate");
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${url}?offset=-1`, { headers: as("5.5.5.5") })).status);
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await fetch(`${url}?offset=-1`, { headers: as("5.5.5.5") });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    expect((await fetch(`${server.url}/healthz`, { headers: as("5.5.5.5") })).status).toBe(200);
    expect((await fetch(`${url}?offset=-1`, { headers: as("6.6.6.6") })).status).toBe(200);
    // A token refills after 1 s at 1 request per second.
    await sleep(1_050);
    expect((await fetch(`${url}?offset=-1`, { headers: as("5.5.5.5") })).status).toBe(200);
    expect(await metric(server, 'rivulet_rejections_total{code="RATE_LIMITED"}')).toBe(1);
  });

  test("per token: each credential has its own bucket; refused credentials do not spend one", async () => {
    const tokens = [
      { id: "a", token: "token-a-0123456789abcdef", scopes: ["read", "write"] },
      { id: "b", token: "token-b-0123456789abcdef", scopes: ["read"] },
    ];
    const server = await start({ auth: { tokens }, rateLimitPerToken: 0.5, rateLimitPerTokenBurst: 2 });
    const url = `${server.url}/v1/stream/per-token`;
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const put = await fetch(url, {
      method: "PUT",
      headers: { ...bearer(tokens[0]!.token), "content-type": "text/plain" },
    });
    expect(put.status).toBe(201);
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${url}?offset=-1`, { headers: bearer("wrong-token-0123456789") })).status).toBe(401);
    }
    expect((await fetch(`${url}?offset=-1`, { headers: bearer(tokens[0]!.token) })).status).toBe(200);
    const limited = await fetch(`${url}?offset=-1`, { headers: bearer(tokens[0]!.token) });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("2");
    expect((await fetch(`${url}?offset=-1`, { headers: bearer(tokens[1]!.token) })).status).toBe(200);
    expect((await fetch(`${url}?offset=-1`, { headers: bearer(tokens[1]!.token) })).status).toBe(200);
  });

  test("the fetch adapter applies per-client limits to the address the host passes, and none without one", async () => {
    const app = new ProtocolApp({ rateLimitPerClient: 1, rateLimitPerClientBurst: 1 });
    await app.open();
    const handler = createFetchHandler(app);
    const get = (info?: { remoteAddress: string }) => handler(new Request("http://h/v1/stream/none"), info);
    expect((await get({ remoteAddress: "7.7.7.7" })).status).toBe(404);
    expect((await get({ remoteAddress: "7.7.7.7" })).status).toBe(429);
    expect((await get({ remoteAddress: "8.8.8.8" })).status).toBe(404);
    for (let i = 0; i < 5; i++) expect((await get()).status).toBe(404);
    await app.close();
  });
});
