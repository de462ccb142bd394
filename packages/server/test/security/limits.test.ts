/**
 * Limits on what one request may ask for: stream path rules and length (PROTOCOL §12.2), the
 * size of one JSON message, and the number of streams. Over real sockets, so paths reach the
 * server exactly as sent.
 */
import { MemoryStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { raw } from "./http-raw.js";
import { metric } from "./support.js";

const text = { "content-type": "text/plain" };
const json = { "content-type": "application/json" };

describe("stream paths", () => {
  let server: RivuletServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, store: new MemoryStore() });
  });
  afterAll(() => server.close());

  test.each([
    ["a .. segment", "/v1/stream/a/../b"],
    ["a trailing .. segment", "/v1/stream/a/.."],
    ["an encoded .. segment", "/v1/stream/a/%2e%2e/b"],
    ["an upper-case encoded .. segment", "/v1/stream/%2E%2E/x"],
    ["encoded slashes around ..", "/v1/stream/a%2f..%2fb"],
    ["a . segment", "/v1/stream/a/./b"],
    ["an empty segment", "/v1/stream/a//b"],
    ["a trailing slash", "/v1/stream/a/"],
    ["a NUL", "/v1/stream/a%00b"],
    ["a line feed", "/v1/stream/a%0Ab"],
    ["a carriage return", "/v1/stream/a%0Db"],
    ["DEL", "/v1/stream/a%7Fb"],
    ["a C1 control (NEL)", "/v1/stream/a%C2%85b"],
    ["a backslash", "/v1/stream/a%5Cb"],
    ["a double-encoded ..", "/v1/stream/a/%252e%252e/b"],
    ["a double-encoded slash", "/v1/stream/a%252fb"],
    ["a bidirectional override", "/v1/stream/a%E2%80%AEb"],
    ["a Unicode line separator", "/v1/stream/a%E2%80%A8b"],
  ])("%s is 400 INVALID_PATH for every method, and creates nothing", async (_name, path) => {
    for (const method of ["PUT", "POST", "GET", "HEAD", "DELETE"]) {
      const res = await raw(server, method, path, text, method === "POST" ? "x" : undefined);
      expect(res.status, `${method} ${path}`).toBe(400);
      if (method !== "HEAD") expect(res.code).toBe("INVALID_PATH");
    }
    const list = await raw(server, "GET", "/v1/stream/__ds/streams");
    expect(JSON.parse(list.body.toString()).streams).toEqual([]);
  });

  test.each([
    ["Unicode", "/v1/stream/caf%C3%A9"],
    ["dots inside a name", "/v1/stream/a..b/c.d"],
    ["a three-dot segment", "/v1/stream/x/..."],
    ["a literal percent sign", "/v1/stream/100%25"],
  ])("%s is a valid stream path", async (_name, path) => {
    expect((await raw(server, "PUT", path, text)).status).toBe(201);
    expect((await raw(server, "GET", `${path}?offset=-1`)).status).toBe(200);
    expect((await raw(server, "DELETE", path)).status).toBe(204);
  });

  test("a path of 1024 bytes is accepted; 1025 bytes is 414 PATH_TOO_LONG", async () => {
    const base = "/v1/stream/";
    const exact = `${base}${"p".repeat(1024 - base.length)}`;
    expect((await raw(server, "PUT", exact, text)).status).toBe(201);
    const over = await raw(server, "PUT", `${exact}q`, text);
    expect({ status: over.status, code: over.code }).toEqual({ status: 414, code: "PATH_TOO_LONG" });
  });

  test("the length is counted in UTF-8 bytes, not characters", async () => {
    // 600 × "é" is 611 characters with the prefix, under 1024, but 1211 bytes; 400 of them fit.
    const wide = `/v1/stream/${"%C3%A9".repeat(600)}`;
    const res = await raw(server, "PUT", wide, text);
    expect({ status: res.status, code: res.code }).toEqual({ status: 414, code: "PATH_TOO_LONG" });
    expect((await raw(server, "PUT", `/v1/stream/${"%C3%A9".repeat(400)}`, text)).status).toBe(201);
  });

  test("a fork source is held to the same rules", async () => {
    await raw(server, "PUT", "/v1/stream/fork-src", text);
    const res = await raw(server, "PUT", "/v1/stream/fork-dst", { "stream-forked-from": "/v1/stream/x/../fork-src" });
    expect({ status: res.status, code: res.code }).toEqual({ status: 400, code: "INVALID_PATH" });
    const ok = await raw(server, "PUT", "/v1/stream/fork-dst", { "stream-forked-from": "/v1/stream/fork-src" });
    expect(ok.status).toBe(201);
  });

  test("refusals are counted by code", async () => {
    await raw(server, "GET", "/v1/stream/a/../b");
    expect(await metric(server, 'rivulet_rejections_total{code="INVALID_PATH"}')).toBeGreaterThan(0);
    expect(await metric(server, 'rivulet_rejections_total{code="PATH_TOO_LONG"}')).toBeGreaterThan(0);
  });
});

describe("one JSON message", () => {
  let server: RivuletServer;
  const small = JSON.stringify({ fits: "x".repeat(20) });
  const big = JSON.stringify({ big: "y".repeat(100) });
  beforeAll(async () => {
    server = await startServer({ port: 0, store: new MemoryStore(), maxMessageBytes: 64 });
  });
  afterAll(() => server.close());

  async function tail(path: string): Promise<string | undefined> {
    return (await raw(server, "HEAD", path)).headers["stream-next-offset"] as string | undefined;
  }

  test("a create whose initial message is too large is 413 MESSAGE_TOO_LARGE and creates nothing", async () => {
    const res = await raw(server, "PUT", "/v1/stream/m-create", json, `[${small},${big}]`);
    expect({ status: res.status, code: res.code }).toEqual({ status: 413, code: "MESSAGE_TOO_LARGE" });
    expect(JSON.parse(res.body.toString()).error.message).toContain("message 2");
    expect((await raw(server, "HEAD", "/v1/stream/m-create")).status).toBe(404);
  });

  test("an append with one oversized message is refused whole; many small ones in a large body are fine", async () => {
    const path = "/v1/stream/m-append";
    expect((await raw(server, "PUT", path, json)).status).toBe(201);
    const before = await tail(path);
    for (const body of [big, `[${small},${small},${big}]`, ` \n${big}\n `]) {
      const res = await raw(server, "POST", path, json, body);
      expect({ status: res.status, code: res.code }).toEqual({ status: 413, code: "MESSAGE_TOO_LARGE" });
    }
    expect(await tail(path)).toBe(before);
    const many = `[${Array.from({ length: 20 }, () => small).join(",")}]`;
    expect(many.length).toBeGreaterThan(64 * 5);
    expect((await raw(server, "POST", path, json, many)).status).toBe(204);
    const read = await raw(server, "GET", `${path}?offset=-1`);
    expect(JSON.parse(read.body.toString())).toHaveLength(20);
  });

  test("a chunked body (no Content-Length) is checked too, and an accepted one is stored whole", async () => {
    const path = "/v1/stream/m-chunked";
    expect((await raw(server, "PUT", path, json)).status).toBe(201);
    const refused = await raw(server, "POST", path, json, ["[", small, ",", big, "]"]);
    expect({ status: refused.status, code: refused.code }).toEqual({ status: 413, code: "MESSAGE_TOO_LARGE" });
    const accepted = await raw(server, "POST", path, json, ["[", small, ",", small, ",", small, "]"]);
    expect(accepted.status).toBe(204);
    const read = await raw(server, "GET", `${path}?offset=-1`);
    expect(JSON.parse(read.body.toString())).toEqual([JSON.parse(small), JSON.parse(small), JSON.parse(small)]);
  });

  test("a fork's initial body inherits the source's JSON type and its limit", async () => {
    await raw(server, "PUT", "/v1/stream/m-src", json, `[${small}]`);
    const res = await raw(server, "PUT", "/v1/stream/m-fork", { "stream-forked-from": "/v1/stream/m-src" }, [big]);
    expect({ status: res.status, code: res.code }).toEqual({ status: 413, code: "MESSAGE_TOO_LARGE" });
  });

  test("byte streams have no messages: bodies up to the body limit are accepted", async () => {
    const path = "/v1/stream/m-bytes";
    await raw(server, "PUT", path, text);
    expect((await raw(server, "POST", path, text, "z".repeat(1000))).status).toBe(204);
  });
});

describe("number of streams", () => {
  let server: RivuletServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, store: new MemoryStore(), maxStreams: 3 });
  });
  afterAll(() => server.close());

  test("past maxStreams a create is 507 STREAM_LIMIT_REACHED; re-creating an existing one is not", async () => {
    for (const name of ["a", "b", "c"])
      expect((await raw(server, "PUT", `/v1/stream/n-${name}`, text)).status).toBe(201);
    const refused = await raw(server, "PUT", "/v1/stream/n-d", text);
    expect({ status: refused.status, code: refused.code }).toEqual({ status: 507, code: "STREAM_LIMIT_REACHED" });
    expect((await raw(server, "PUT", "/v1/stream/n-a", text)).status).toBe(200);
    const fork = await raw(server, "PUT", "/v1/stream/n-fork", { "stream-forked-from": "/v1/stream/n-a" });
    expect(fork.code).toBe("STREAM_LIMIT_REACHED");
    expect((await raw(server, "DELETE", "/v1/stream/n-c")).status).toBe(204);
    expect((await raw(server, "PUT", "/v1/stream/n-d", text)).status).toBe(201);
    expect(await metric(server, 'rivulet_rejections_total{code="STREAM_LIMIT_REACHED"}')).toBe(2);
  });

  test("concurrent creates never overshoot the limit", async () => {
    for (const name of ["a", "b", "d"]) await raw(server, "DELETE", `/v1/stream/n-${name}`);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => raw(server, "PUT", `/v1/stream/race-${i}`, text)),
    );
    const created = results.filter((r) => r.status === 201).length;
    expect(created).toBeGreaterThan(0);
    expect(created).toBeLessThanOrEqual(3);
    expect(results.every((r) => r.status === 201 || r.code === "STREAM_LIMIT_REACHED")).toBe(true);
    const listed = JSON.parse((await raw(server, "GET", "/v1/stream/__ds/streams")).body.toString());
    expect(listed.streams.length).toBeLessThanOrEqual(3);
  });
});
