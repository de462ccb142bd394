/**
 * The records view (docs/extensions.md): `view=records[&limit=N]` on catch-up, long-poll and
 * SSE reads, JSON and byte streams, forks; what `limit` does to Stream-Up-To-Date; bad
 * parameters. On both stores.
 */
import { formatOffset } from "@rivulet/protocol";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { expectError, readSse, type TestApp } from "../handlers/helpers.js";
import { appOn, json, STORES } from "./stores.js";

interface Rec {
  offset: string;
  next_offset: string;
  seq: number;
  ts: number;
  value: unknown;
}

for (const kind of STORES) {
  describe(`records view (${kind.name} store)`, () => {
    let app: TestApp;
    beforeEach(async () => {
      app = await appOn(kind);
    });
    afterEach(() => app.close());

    const records = async (path: string, query: string): Promise<{ res: Response; body: Rec[] }> => {
      const res = await app.request(`${path}?${query}`);
      expect(res.status, await res.clone().text()).toBe(200);
      return { res, body: (await res.json()) as Rec[] };
    };

    test("a JSON stream: one record per message, offsets chaining, seqs counting, times of their appends", async () => {
      const path = app.path();
      const created = await app.create(path, "application/json", '[{"a":1},"two"]');
      void created;
      const appended = await app.append(path, "application/json", "[3, [4]]");
      const time = Number(appended.headers.get("stream-append-time"));
      const { res, body } = await records(path, "offset=-1&view=records");
      expect(res.headers.get("stream-view")).toBe("records");
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(res.headers.get("stream-up-to-date")).toBe("true");
      expect(body.map((r) => r.value)).toEqual([{ a: 1 }, "two", 3, [4]]);
      expect(body.map((r) => r.seq)).toEqual([0, 1, 2, 3]);
      expect(body[0]!.offset).toBe(formatOffset(0));
      for (let i = 1; i < body.length; i++) expect(body[i]!.offset).toBe(body[i - 1]!.next_offset);
      expect(body.at(-1)!.next_offset).toBe(res.headers.get("stream-next-offset"));
      expect(body[2]!.ts).toBe(time);
      expect(body[0]!.ts).toBeLessThanOrEqual(time);
      // Reading from a record's offset starts at that record, with its seq.
      const from = await records(path, `offset=${body[2]!.offset}&view=records`);
      expect(from.body.map((r) => r.seq)).toEqual([2, 3]);
    });

    test("limit caps the records; Stream-Up-To-Date only when the response reaches the tail", async () => {
      const path = app.path();
      await app.create(path, "application/json", JSON.stringify(Array.from({ length: 10 }, (_, i) => i)));
      let offset = "-1";
      const seen: number[] = [];
      for (let page = 0; page < 4; page++) {
        const { res, body } = await records(path, `offset=${offset}&view=records&limit=3`);
        seen.push(...body.map((r) => r.value as number));
        const done = seen.length === 10;
        expect(res.headers.get("stream-up-to-date")).toBe(done ? "true" : null);
        offset = res.headers.get("stream-next-offset")!;
      }
      expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      // A limit exactly reaching the tail is up to date.
      const exact = await records(path, `offset=${formatOffset(0)}&view=records&limit=10`);
      expect(exact.res.headers.get("stream-up-to-date")).toBe("true");
    });

    test("a byte stream: one record per append, as base64; a text stream's as text", async () => {
      const bytes = app.path("bytes");
      await app.create(bytes, "application/octet-stream", new Uint8Array([0, 255]));
      await app.append(bytes, "application/octet-stream", new Uint8Array([1, 2, 3]));
      const { body } = await records(bytes, "offset=-1&view=records");
      expect(body.map((r) => Buffer.from(r.value as string, "base64").toString("hex"))).toEqual(["00ff", "010203"]);
      expect(body.map((r) => [r.offset, r.next_offset, r.seq])).toEqual([
        [formatOffset(0), formatOffset(2), 0],
        [formatOffset(2), formatOffset(5), 1],
      ]);
      // From inside a record: the rest of it, with its seq.
      const inside = await records(bytes, `offset=${formatOffset(3)}&view=records`);
      expect(inside.body.map((r) => [r.seq, Buffer.from(r.value as string, "base64").toString("hex")])).toEqual([
        [1, "0203"],
      ]);
      const textPath = app.path("text");
      await app.create(textPath, "text/plain", "héllo\n");
      await app.append(textPath, "text/plain", "world");
      expect((await records(textPath, "offset=-1&view=records")).body.map((r) => r.value)).toEqual([
        "héllo\n",
        "world",
      ]);
    });

    test("offset=now answers an empty array; an unknown view or a bad limit is a bad request", async () => {
      const path = app.path();
      await app.create(path, "application/octet-stream", new Uint8Array([1]));
      const now = await app.request(`${path}?offset=now&view=records`);
      expect(now.headers.get("stream-view")).toBe("records");
      expect(await now.json()).toEqual([]);
      await expectError(await app.request(`${path}?offset=-1&view=rows`), 400, "INVALID_VIEW");
      for (const limit of ["0", "-1", "abc", "10001", "1.5"]) {
        await expectError(await app.request(`${path}?offset=-1&view=records&limit=${limit}`), 400, "INVALID_LIMIT");
      }
      // Without the view, limit is ignored, as by a server without the extension.
      expect((await app.request(`${path}?offset=-1&limit=0`)).status).toBe(200);
    });

    test("records and plain reads of one range have different ETags", async () => {
      const path = app.path();
      await app.create(path, "application/json", "[1]");
      const plain = await app.request(`${path}?offset=-1`);
      const view = await app.request(`${path}?offset=-1&view=records`);
      const limited = await app.request(`${path}?offset=-1&view=records&limit=1`);
      const tags = [plain, view, limited].map((r) => r.headers.get("etag"));
      expect(new Set(tags).size).toBe(3);
      const again = await app.request(`${path}?offset=-1&view=records`, { headers: { "if-none-match": tags[1]! } });
      expect(again.status).toBe(304);
    });

    test("on a fork, inherited records keep their source's seqs and times, and its own continue them", async () => {
      const source = app.path("src");
      await app.create(source, "application/json", "[0,1,2]");
      const fork = app.path("fork");
      const made = await app.request(fork, {
        method: "PUT",
        headers: {
          ...json,
          "stream-forked-from": source,
          "stream-fork-offset": formatOffset(0),
          "stream-fork-sub-offset": "2",
        },
      });
      expect(made.status).toBe(201);
      await app.append(fork, "application/json", '["f"]');
      await app.append(source, "application/json", '["s"]');
      const fromSource = (await records(source, "offset=-1&view=records")).body;
      const fromFork = (await records(fork, "offset=-1&view=records")).body;
      expect(fromFork.map((r) => [r.seq, r.value])).toEqual([
        [0, 0],
        [1, 1],
        [2, "f"],
      ]);
      expect(fromFork.slice(0, 2)).toEqual(fromSource.slice(0, 2));
      expect(fromSource.map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    });

    test("a long-poll in the records view answers the new records when they come", async () => {
      const path = app.path();
      await app.create(path, "application/json", "[1]");
      const tail = (await app.request(path, { method: "HEAD" })).headers.get("stream-next-offset")!;
      const polling = app.request(`${path}?offset=${tail}&live=long-poll&view=records`);
      await app.append(path, "application/json", "[2,3]");
      const res = await polling;
      expect(res.status).toBe(200);
      expect(res.headers.get("stream-view")).toBe("records");
      expect(((await res.json()) as Rec[]).map((r) => [r.seq, r.value])).toEqual([
        [1, 2],
        [2, 3],
      ]);
    });

    test("SSE in the records view: data events carry records, control events the offsets", async () => {
      const path = app.path();
      await app.create(path, "application/octet-stream", new Uint8Array([7]));
      const res = await app.request(`${path}?offset=-1&live=sse&view=records`);
      expect(res.headers.get("stream-view")).toBe("records");
      expect(res.headers.get("stream-sse-data-encoding")).toBeNull();
      expect(res.headers.get("stream-earliest-offset")).toBe(formatOffset(0));
      const appended = app.append(path, "application/octet-stream", new Uint8Array([8, 9]));
      const { events } = await readSse(res, (evs) => evs.filter((e) => e.event === "data").length >= 2);
      await appended;
      const data = events.filter((e) => e.event === "data").flatMap((e) => JSON.parse(e.data) as Rec[]);
      expect(data.map((r) => [r.seq, Buffer.from(r.value as string, "base64").toString("hex")])).toEqual([
        [0, "07"],
        [1, "0809"],
      ]);
    });
  });
}
