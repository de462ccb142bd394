/**
 * The raw-socket HEAD client that scenario 10's lookups are timed with: answers read from the
 * head alone, one connection kept alive, the target's headers sent, and failures reported
 * instead of hanging.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { HeadRequests } from "../src/generators/raw-http/head-requests.js";

let server: Server;
let port = 0;
let connections = 0;
const seen: Array<{ method: string | undefined; url: string | undefined; headers: IncomingHttpHeaders }> = [];

beforeEach(async () => {
  connections = 0;
  seen.length = 0;
  server = createServer((request, response) => {
    seen.push({ method: request.method, url: request.url, headers: request.headers });
    if (request.url === "/hang-up") {
      request.socket.destroy();
      return;
    }
    // A HEAD answer carries the length a GET would have, and no body (RFC 9110 §9.3.2).
    response.writeHead(request.url === "/missing" ? 404 : 200, {
      "Content-Length": "1234",
      "Stream-Next-Offset": `at-${seen.length}`,
    });
    response.end();
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const target = (headers: Record<string, string> = {}) => ({ host: "127.0.0.1", port, tls: false, headers });

describe("HeadRequests", () => {
  test("answers status and headers, one after another on one kept-alive connection", async () => {
    const client = await HeadRequests.open(target({ authorization: "Bearer t" }));
    const first = await client.head("/a?at=1");
    const second = await client.head("/missing");
    const third = await client.head("/b");
    client.close();
    expect([first.status, second.status, third.status]).toEqual([200, 404, 200]);
    expect([first, second, third].map((answer) => answer.headers.get("stream-next-offset"))).toEqual([
      "at-1",
      "at-2",
      "at-3",
    ]);
    expect(connections).toBe(1);
    expect(seen.map((request) => [request.method, request.url, request.headers.authorization])).toEqual([
      ["HEAD", "/a?at=1", "Bearer t"],
      ["HEAD", "/missing", "Bearer t"],
      ["HEAD", "/b", "Bearer t"],
    ]);
  });

  test("rejects a second HEAD while one is in flight", async () => {
    const client = await HeadRequests.open(target());
    const first = client.head("/a");
    await expect(client.head("/b")).rejects.toThrow("One HEAD at a time");
    expect((await first).status).toBe(200);
    client.close();
  });

  test("rejects the HEAD in flight when the server hangs up, and every later one", async () => {
    const client = await HeadRequests.open(target());
    await expect(client.head("/hang-up")).rejects.toThrow();
    await expect(client.head("/a")).rejects.toThrow();
    client.close();
  });

  test("rejects after close, and when nothing listens", async () => {
    const client = await HeadRequests.open(target());
    client.close();
    await expect(client.head("/a")).rejects.toThrow("Closed");
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await expect(HeadRequests.open(target())).rejects.toThrow(/ECONNREFUSED/);
  });
});
