/** GET without live: catch-up reads (PROTOCOL §5.6), offset=now (§8), ETag/304 and caching (§10). */
import { formatOffset } from "@rivulet/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectError, startApp, type TestApp } from "./helpers.js";

const PUBLIC = "public, max-age=60, stale-while-revalidate=300";

describe("catch-up read", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ chunkBytes: 16 });
  });
  afterAll(() => t.close());

  test("reads everything from the start, up to date, cacheable", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "hello");
    for (const query of ["", "?offset=-1"]) {
      const res = await t.request(`${path}${query}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("hello");
      expect(res.headers.get("stream-next-offset")).toBe(formatOffset(5));
      expect(res.headers.get("stream-up-to-date")).toBe("true");
      expect(res.headers.get("cache-control")).toBe(PUBLIC);
      expect(res.headers.get("stream-closed")).toBeNull();
    }
  });

  test("at the tail of an open stream: empty, up to date, not cached", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "abc");
    const res = await t.request(`${path}?offset=${formatOffset(3)}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    expect(res.headers.get("stream-up-to-date")).toBe("true");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  test("at the tail of a closed stream: empty with Stream-Closed (EOF)", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "abc", { "stream-closed": "true" });
    const res = await t.request(`${path}?offset=${formatOffset(3)}`);
    expect(await res.text()).toBe("");
    expect(res.headers.get("stream-closed")).toBe("true");
  });

  test("bounded chunks cut at JSON message boundaries; following Stream-Next-Offset reads everything", async () => {
    const path = t.path();
    const messages = Array.from({ length: 12 }, (_, i) => ({ i }));
    await t.create(path, "application/json", JSON.stringify(messages));
    const seen: unknown[] = [];
    let offset = "-1";
    let reads = 0;
    for (;;) {
      const res = await t.request(`${path}?offset=${offset}`);
      const chunk = (await res.json()) as unknown[];
      seen.push(...chunk);
      reads++;
      offset = res.headers.get("stream-next-offset")!;
      if (res.headers.get("stream-up-to-date")) break;
      expect(chunk.length).toBeGreaterThan(0);
    }
    expect(reads).toBeGreaterThan(1);
    expect(seen).toEqual(messages);
  });

  test("a malformed offset is INVALID_OFFSET", async () => {
    const path = t.path();
    await t.create(path);
    for (const offset of ["abc", "", "-2", "0000000000000000_12"]) {
      await expectError(await t.request(`${path}?offset=${offset}`), 400, "INVALID_OFFSET");
    }
  });

  test("an offset beyond the tail is INVALID_OFFSET", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "abc");
    await expectError(await t.request(`${path}?offset=${formatOffset(4)}`), 400, "INVALID_OFFSET");
  });

  test("an offset inside a JSON message is INVALID_OFFSET, in every read mode; message starts read fine", async () => {
    const path = t.path();
    // Stored as `{"bom":true},\n` (14 bytes): 13 is inside it, 14 is the next message's start.
    await t.create(path, "application/json", '{"bom":true}');
    await t.append(path, "application/json", "[2]");
    for (const inside of [1, 5, 13]) {
      for (const live of ["", "&live=long-poll", "&live=sse"]) {
        await expectError(await t.request(`${path}?offset=${formatOffset(inside)}${live}`), 400, "INVALID_OFFSET");
      }
    }
    expect(await (await t.request(`${path}?offset=${formatOffset(14)}`)).json()).toEqual([2]);
    expect(((await (await t.request(`${path}?offset=${formatOffset(0)}`)).json()) as unknown[])[0]).toEqual({
      bom: true,
    });
  });

  test("a missing stream is STREAM_NOT_FOUND", async () => {
    await expectError(await t.request(t.path("missing")), 404, "STREAM_NOT_FOUND");
  });

  describe("offset=now (§8)", () => {
    test("JSON stream: [] with the tail, up to date, no-store, no ETag", async () => {
      const path = t.path();
      await t.create(path, "application/json", "[1,2,3]");
      const res = await t.request(`${path}?offset=now`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("[]");
      expect(res.headers.get("stream-next-offset")).toBe(formatOffset("1,\n2,\n3,\n".length));
      expect(res.headers.get("stream-up-to-date")).toBe("true");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("etag")).toBeNull();
    });

    test("other streams: an empty body", async () => {
      const path = t.path();
      await t.create(path, "application/octet-stream", new Uint8Array([1, 2, 3]));
      const res = await t.request(`${path}?offset=now`);
      expect(new Uint8Array(await res.arrayBuffer())).toHaveLength(0);
      expect(res.headers.get("stream-next-offset")).toBe(formatOffset(3));
    });

    test("closed stream: Stream-Closed and up to date", async () => {
      const path = t.path();
      await t.create(path, "text/plain", "x", { "stream-closed": "true" });
      const res = await t.request(`${path}?offset=now`);
      expect(res.headers.get("stream-closed")).toBe("true");
      expect(res.headers.get("stream-up-to-date")).toBe("true");
      expect(res.headers.get("stream-next-offset")).toBe(formatOffset(1));
    });
  });

  describe("ETag and If-None-Match (§10.1)", () => {
    test("a matching If-None-Match is 304 with no body; weak and listed forms match too", async () => {
      const path = t.path();
      await t.create(path, "text/plain", "cache me");
      const first = await t.request(path);
      const etag = first.headers.get("etag")!;
      expect(etag).toMatch(/^".+"$/);
      for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
        const res = await t.request(path, { headers: { "if-none-match": ifNoneMatch } });
        expect(res.status, ifNoneMatch).toBe(304);
        expect(await res.text()).toBe("");
        expect(res.headers.get("etag")).toBe(etag);
      }
      expect((await t.request(path, { headers: { "if-none-match": '"other"' } })).status).toBe(200);
    });

    test("the ETag changes when the stream closes, so the 304 cannot hide EOF", async () => {
      const path = t.path();
      await t.create(path, "text/plain", "data");
      const etag = (await t.request(path)).headers.get("etag")!;
      await t.request(path, { method: "POST", headers: { "stream-closed": "true" } });
      const res = await t.request(path, { headers: { "if-none-match": etag } });
      expect(res.status).toBe(200);
      expect(res.headers.get("stream-closed")).toBe("true");
      expect(res.headers.get("etag")).not.toBe(etag);
    });

    test("the ETag changes when data is appended", async () => {
      const path = t.path();
      await t.create(path, "text/plain", "a");
      const etag = (await t.request(path)).headers.get("etag")!;
      await t.append(path, "text/plain", "b");
      const res = await t.request(path, { headers: { "if-none-match": etag } });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("ab");
    });

    test("the ETag changes when a chunk stops being the tail, so a 304 cannot keep Stream-Up-To-Date", async () => {
      const small = await startApp({ chunkBytes: 4 });
      try {
        const path = small.path();
        await small.create(path, "text/plain", "abcd");
        const atTail = await small.request(path);
        expect(atTail.headers.get("stream-up-to-date")).toBe("true");
        const etag = atTail.headers.get("etag")!;
        await small.append(path, "text/plain", "e");
        // The same range [0, 4), no longer the tail: a different representation.
        const res = await small.request(path, { headers: { "if-none-match": etag } });
        expect(res.status).toBe(200);
        expect(await res.text()).toBe("abcd");
        expect(res.headers.get("stream-next-offset")).toBe(formatOffset(4));
        expect(res.headers.get("stream-up-to-date")).toBeNull();
        expect(res.headers.get("etag")).not.toBe(etag);
        const again = await small.request(path, { headers: { "if-none-match": res.headers.get("etag")! } });
        expect(again.status).toBe(304);
      } finally {
        await small.close();
      }
    });

    test("a re-created stream never matches an old ETag", async () => {
      const path = t.path();
      await t.create(path, "text/plain", "same");
      const etag = (await t.request(path)).headers.get("etag")!;
      await t.request(path, { method: "DELETE" });
      await t.create(path, "text/plain", "same");
      expect((await t.request(path, { headers: { "if-none-match": etag } })).status).toBe(200);
    });
  });
});

describe("catch-up read with private caching", () => {
  test("data chunks are Cache-Control: private", async () => {
    const t = await startApp({ cacheVisibility: "private" });
    try {
      const path = t.path();
      await t.create(path, "text/plain", "secret");
      expect((await t.request(path)).headers.get("cache-control")).toBe(
        "private, max-age=60, stale-while-revalidate=300",
      );
    } finally {
      await t.close();
    }
  });
});
