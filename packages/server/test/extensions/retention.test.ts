/**
 * Retention settings, explicit trims and what readers see after them (docs/extensions.md):
 * Stream-Retention-* on PUT (compared for idempotent create), server defaults, PATCH of the
 * settings, POST …/__ds/trim/{path}, 410 OFFSET_OUT_OF_RANGE with Stream-Earliest-Offset in
 * every read mode, fork pins, and producers deduplicating after their appends are trimmed
 * away. On both stores.
 */
import { formatOffset } from "@rivulet/protocol";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { expectError, type TestApp } from "../handlers/helpers.js";
import { appOn, json, STORES } from "./stores.js";

const BASE = "/v1/stream/";

for (const kind of STORES) {
  describe(`retention settings and trims (${kind.name} store)`, () => {
    let app: TestApp;
    beforeEach(async () => {
      app = await appOn(kind, { retentionMs: 86_400_000 });
    });
    afterEach(() => app.close());

    const head = (path: string) => app.request(path, { method: "HEAD" });
    const trim = (path: string, offset: string) =>
      app.request(`${BASE}__ds/trim/${path.slice(BASE.length)}`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ offset }),
      });
    const settings = (path: string, patch?: unknown, type = "application/merge-patch+json") =>
      app.request(
        `${BASE}__ds/streams/${path.slice(BASE.length)}`,
        patch === undefined ? {} : { method: "PATCH", headers: { "content-type": type }, body: JSON.stringify(patch) },
      );
    const tailOf = async (path: string) => (await head(path)).headers.get("stream-next-offset")!;

    test("PUT takes Stream-Retention-Ms and -Bytes; a repeat must match them; HEAD answers what applies", async () => {
      const path = app.path();
      const headers = { "stream-retention-ms": "60000", "stream-retention-bytes": "1048576" };
      const created = await app.create(path, "application/json", undefined, headers);
      expect(created.headers.get("stream-retention-ms")).toBe("60000");
      expect((await app.request(path, { method: "PUT", headers: { ...json, ...headers } })).status).toBe(200);
      const other = await app.request(path, { method: "PUT", headers: { ...json, "stream-retention-ms": "1" } });
      await expectError(other, 409, "STREAM_EXISTS");
      await expectError(await app.request(path, { method: "PUT", headers: json }), 409, "STREAM_EXISTS");
      const bad = await app.request(app.path(), {
        method: "PUT",
        headers: { ...json, "stream-retention-bytes": "-5" },
      });
      await expectError(bad, 400, "INVALID_RETENTION");
      // Without settings of its own, a stream gets the server's default (and a repeat without them matches).
      const plain = app.path();
      await app.create(plain, "application/json");
      expect((await head(plain)).headers.get("stream-retention-ms")).toBe("86400000");
      expect((await head(plain)).headers.get("stream-retention-bytes")).toBeNull();
      expect((await app.request(plain, { method: "PUT", headers: json })).status).toBe(200);
    });

    test("PATCH changes a stream's settings (null: back to the default); GET reads them", async () => {
      const path = app.path();
      await app.create(path, "application/json", undefined, { "stream-retention-bytes": "100" });
      const changed = await settings(path, { retention_ms: 5000, retention_bytes: null });
      expect(changed.status).toBe(200);
      expect(await changed.json()).toMatchObject({
        path,
        retention_ms: 5000,
        retention_bytes: null,
        effective_retention_ms: 5000,
        effective_retention_bytes: null,
        earliest_offset: formatOffset(0),
        next_seq: 0,
      });
      expect((await head(path)).headers.get("stream-retention-ms")).toBe("5000");
      expect((await head(path)).headers.get("stream-retention-bytes")).toBeNull();
      const back = await (await settings(path, { retention_ms: null })).json();
      expect(back).toMatchObject({ retention_ms: null, effective_retention_ms: 86_400_000 });
      expect(await (await settings(path)).json()).toEqual(back);
      // Idempotent create compares the stream's own settings as they are now.
      expect((await app.request(path, { method: "PUT", headers: json })).status).toBe(200);
    });

    test("bad settings changes are refused with stable codes and change nothing", async () => {
      const path = app.path();
      await app.create(path, "application/json", undefined, { "stream-retention-ms": "7" });
      await expectError(await settings(path, { retention_ms: -1 }), 400, "INVALID_RETENTION");
      await expectError(await settings(path, { retention: 1 }), 400, "BAD_REQUEST");
      await expectError(await settings(path, [1]), 400, "BAD_REQUEST");
      await expectError(await settings(path, { retention_ms: 1 }, "text/plain"), 400, "BAD_REQUEST");
      const broken = await app.request(`${BASE}__ds/streams/${path.slice(BASE.length)}`, {
        method: "PATCH",
        headers: { "content-type": "application/merge-patch+json" },
        body: "{",
      });
      await expectError(broken, 400, "INVALID_JSON");
      await expectError(await settings(`${BASE}nope`, { retention_ms: 1 }), 404, "STREAM_NOT_FOUND");
      expect((await head(path)).headers.get("stream-retention-ms")).toBe("7");
    });

    test("a trim moves the earliest offset to a message boundary at or before the offset; reads before it are 410", async () => {
      const path = app.path();
      await app.create(path, "application/json", "[1,2]");
      const second = await tailOf(path);
      await app.append(path, "application/json", "[3]");
      const third = await tailOf(path);
      await app.append(path, "application/json", "[4]");
      // Between two appends' boundaries: the one before it.
      const answered = await trim(path, formatOffset(Number(third.split("_")[1]) - 1));
      expect(answered.status).toBe(200);
      expect(await answered.json()).toEqual({ earliest_offset: second, next_offset: await tailOf(path) });
      expect((await head(path)).headers.get("stream-earliest-offset")).toBe(second);
      // offset=-1 starts at the earliest offset; seqs stay what they were.
      const all = await app.request(`${path}?offset=-1&view=records`);
      expect(((await all.json()) as Array<{ seq: number }>).map((r) => r.seq)).toEqual([2, 3]);
      expect(await (await app.request(`${path}?offset=-1`)).json()).toEqual([3, 4]);
      // Before it: 410 with where the stream starts now, in every read mode.
      for (const query of [
        `offset=${formatOffset(0)}`,
        `offset=${formatOffset(0)}&live=long-poll`,
        `offset=${formatOffset(0)}&live=sse`,
      ]) {
        const gone = await app.request(`${path}?${query}`);
        await expectError(gone, 410, "OFFSET_OUT_OF_RANGE");
        expect(gone.headers.get("stream-earliest-offset")).toBe(second);
      }
      const fork = await app.request(app.path("fork"), {
        method: "PUT",
        headers: { ...json, "stream-forked-from": path, "stream-fork-offset": formatOffset(0) },
      });
      await expectError(fork, 410, "OFFSET_OUT_OF_RANGE");
      // Never backwards; `now` trims to the tail; past the tail is a bad request.
      expect(await (await trim(path, formatOffset(0))).json()).toMatchObject({ earliest_offset: second });
      await expectError(await trim(path, formatOffset(999_999)), 400, "INVALID_OFFSET");
      await expectError(await trim(path, "-1"), 400, "INVALID_OFFSET");
      const emptied = await trim(path, "now");
      expect(await emptied.json()).toEqual({ earliest_offset: await tailOf(path), next_offset: await tailOf(path) });
      expect(await (await app.request(`${path}?offset=-1`)).json()).toEqual([]);
      expect((await head(path)).headers.get("stream-next-seq")).toBe("4");
    });

    test("a soft-deleted stream stays 410 STREAM_GONE, without an earliest offset", async () => {
      const path = app.path();
      await app.create(path, "application/json", "[1]");
      await app.request(app.path("keep"), { method: "PUT", headers: { ...json, "stream-forked-from": path } });
      expect((await app.request(path, { method: "DELETE" })).status).toBe(204);
      const gone = await app.request(`${path}?offset=-1`);
      await expectError(gone, 410, "STREAM_GONE");
      expect(gone.headers.get("stream-earliest-offset")).toBeNull();
      await expectError(await trim(path, "now"), 410, "STREAM_GONE");
    });

    test("forks pin what they read: a source never trims below it, down a fork chain, until the forks go", async () => {
      const source = app.path("src");
      await app.create(source, "application/json", "[0,1,2,3,4,5]");
      const fork = app.path("fork");
      await app.request(fork, {
        method: "PUT",
        headers: {
          ...json,
          "stream-forked-from": source,
          "stream-fork-offset": formatOffset(0),
          "stream-fork-sub-offset": "4",
        },
      });
      const grandchild = app.path("grand");
      await app.request(grandchild, {
        method: "PUT",
        headers: {
          ...json,
          "stream-forked-from": fork,
          "stream-fork-offset": formatOffset(0),
          "stream-fork-sub-offset": "2",
        },
      });
      await app.append(source, "application/json", "[6]");
      // The grandchild reads the source from 0 (through the fork): nothing of the source can go.
      expect(await (await trim(source, "now")).json()).toMatchObject({ earliest_offset: formatOffset(0) });
      // The fork moves past what the grandchild reads? No: the grandchild reads it too.
      expect(await (await trim(fork, "now")).json()).toMatchObject({ earliest_offset: formatOffset(0) });
      expect(await (await app.request(`${grandchild}?offset=-1`)).json()).toEqual([0, 1]);
      // The grandchild trims itself past its fork point: it no longer pins anything.
      const own = await app.append(grandchild, "application/json", '["g"]');
      void own;
      expect((await trim(grandchild, "now")).status).toBe(200);
      const forkTail = await tailOf(fork);
      expect(await (await trim(fork, "now")).json()).toMatchObject({ earliest_offset: forkTail });
      expect(await (await trim(source, "now")).json()).toMatchObject({ earliest_offset: await tailOf(source) });
    });

    test("a producer whose appends were trimmed away still deduplicates its retries", async () => {
      const path = app.path();
      await app.create(path, "application/json");
      const producer = (seq: number) => ({ "producer-id": "p", "producer-epoch": "3", "producer-seq": String(seq) });
      for (let seq = 0; seq < 3; seq++) {
        expect((await app.append(path, "application/json", `[${seq}]`, producer(seq))).status).toBe(200);
      }
      await trim(path, "now");
      const retry = await app.append(path, "application/json", "[2]", producer(2));
      expect(retry.status).toBe(204);
      expect(retry.headers.get("producer-seq")).toBe("2");
      expect((await app.append(path, "application/json", "[3]", producer(3))).status).toBe(200);
      await expectError(
        await app.request(path, { method: "POST", headers: { ...json, ...producer(9) }, body: "[9]" }),
        409,
        "PRODUCER_SEQ_GAP",
      );
      expect(await (await app.request(`${path}?offset=-1`)).json()).toEqual([3]);
    });

    test("a reader paging through while the stream is trimmed gets data or 410, never a half-removed chunk", async () => {
      const path = app.path();
      await app.create(path, "application/octet-stream");
      for (let i = 0; i < 8; i++) await app.append(path, "application/octet-stream", new Uint8Array(20_000).fill(i));
      let offset = formatOffset(0);
      const chunks: number[] = [];
      const trimming = (async () => {
        for (const to of [40_000, 80_000, 120_000]) await trim(path, formatOffset(to));
      })();
      for (let pages = 0; pages < 20; pages++) {
        const res = await app.request(`${path}?offset=${offset}`);
        if (res.status === 410) {
          offset = res.headers.get("stream-earliest-offset")!;
          await res.body?.cancel();
          continue;
        }
        expect(res.status).toBe(200);
        const body = new Uint8Array(await res.arrayBuffer());
        const start = Number(offset.split("_")[1]);
        // Every byte is the one written there.
        for (let i = 0; i < body.length; i += 997) expect(body[i]).toBe(Math.floor((start + i) / 20_000));
        chunks.push(body.length);
        offset = res.headers.get("stream-next-offset")!;
        if (res.headers.get("stream-up-to-date")) break;
      }
      await trimming;
      expect(offset).toBe(await tailOf(path));
    });
  });
}
