/** The admin listing endpoint under the reserved `__ds` prefix. */
import { MemoryStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, expect, test } from "vitest";

let server: RivuletServer;
const list = (query = "") => fetch(`${server.url}/v1/stream/__ds/streams${query}`);

beforeAll(async () => {
  server = await startServer({ port: 0, store: new MemoryStore() });
  for (const name of ["b/2", "a/1", "b/1", "c", "b/3"]) {
    await fetch(`${server.url}/v1/stream/${name}`, {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: name,
    });
  }
  await fetch(`${server.url}/v1/stream/c`, { method: "POST", headers: { "stream-closed": "true" } });
});
afterAll(() => server.close());

interface Page {
  streams: Array<{ path: string; contentType: string; nextOffset: string; closed: boolean; bytes: number }>;
  next: string | null;
}

test("lists every stream in path order with its metadata", async () => {
  const res = await list();
  expect(res.status).toBe(200);
  const page = (await res.json()) as Page;
  expect(page.streams.map((s) => s.path)).toEqual([
    "/v1/stream/a/1",
    "/v1/stream/b/1",
    "/v1/stream/b/2",
    "/v1/stream/b/3",
    "/v1/stream/c",
  ]);
  expect(page.next).toBeNull();
  const c = page.streams.find((s) => s.path === "/v1/stream/c")!;
  expect(c).toMatchObject({
    contentType: "text/plain",
    closed: true,
    bytes: 1,
    nextOffset: "0000000000000000_0000000000000001",
  });
});

test("filters by prefix and pages with limit and after", async () => {
  const first = (await (await list("?prefix=/v1/stream/b/&limit=2")).json()) as Page;
  expect(first.streams.map((s) => s.path)).toEqual(["/v1/stream/b/1", "/v1/stream/b/2"]);
  expect(first.next).toBe("/v1/stream/b/2");
  const second = (await (
    await list(`?prefix=/v1/stream/b/&limit=2&after=${encodeURIComponent(first.next!)}`)
  ).json()) as Page;
  expect(second.streams.map((s) => s.path)).toEqual(["/v1/stream/b/3"]);
  expect(second.next).toBeNull();
});

test("says what it saw written since it started: messages of streams it saw created, rate, last write", async () => {
  const path = "d/active";
  await fetch(`${server.url}/v1/stream/${path}`, { method: "PUT", headers: { "content-type": "application/json" } });
  const before = Date.now();
  await fetch(`${server.url}/v1/stream/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "[1,2,3]",
  });
  const page = (await (await list("?prefix=/v1/stream/d/")).json()) as {
    streams: Array<{ activity: { lastWriteAt: string; messages: number; messagesPerSecond: number } | null }>;
  };
  const activity = page.streams[0]!.activity!;
  expect(activity.messages).toBe(3);
  expect(activity.messagesPerSecond).toBeGreaterThan(0);
  expect(Date.parse(activity.lastWriteAt)).toBeGreaterThanOrEqual(before - 5);
});

test("a search finds paths holding the text in any case, and pages through the matches", async () => {
  const first = (await (await list("?search=B/&limit=2")).json()) as Page & { scanned: number };
  expect(first.streams.map((s) => s.path)).toEqual(["/v1/stream/b/1", "/v1/stream/b/2"]);
  expect(first.next).toBe("/v1/stream/b/2");
  const rest = (await (await list(`?search=b/&after=${encodeURIComponent(first.next!)}`)).json()) as Page;
  expect(rest.streams.map((s) => s.path)).toEqual(["/v1/stream/b/3"]);
  expect(rest.next).toBeNull();
  const none = (await (await list("?search=zzz")).json()) as Page & { scanned: number };
  expect(none).toMatchObject({ streams: [], next: null });
  expect(none.scanned).toBeGreaterThanOrEqual(5);
});

test("says what retention applies: the stream's own, else the server's default", async () => {
  const own = await startServer({ port: 0, store: new MemoryStore(), retentionBytes: 4096 });
  try {
    const create = (name: string, headers: Record<string, string> = {}) =>
      fetch(`${own.url}/v1/stream/${name}`, { method: "PUT", headers: { "content-type": "text/plain", ...headers } });
    await create("kept", { "stream-retention-ms": "60000" });
    await create("plain");
    const page = (await (await fetch(`${own.url}/v1/stream/__ds/streams`)).json()) as {
      streams: Array<{ path: string; retention: unknown }>;
    };
    expect(page.streams.map((s) => [s.path, s.retention])).toEqual([
      ["/v1/stream/kept", { ms: 60000, bytes: 4096 }],
      ["/v1/stream/plain", { ms: null, bytes: 4096 }],
    ]);
  } finally {
    await own.close();
  }
  const page = (await (await list("?limit=1")).json()) as { streams: Array<{ retention: unknown }> };
  expect(page.streams[0]!.retention).toEqual({ ms: null, bytes: null });
});

test("rejects a bad limit with BAD_REQUEST", async () => {
  for (const limit of ["0", "1001", "x", "1.5"]) {
    const res = await list(`?limit=${limit}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
  }
});

test("other __ds paths and methods stay reserved (404), and are never streams", async () => {
  expect((await fetch(`${server.url}/v1/stream/__ds/streams`, { method: "PUT" })).status).toBe(404);
  expect((await fetch(`${server.url}/v1/stream/__ds/other`)).status).toBe(404);
  expect((await fetch(`${server.url}/v1/stream/__ds`, { method: "PUT" })).status).toBe(404);
});
