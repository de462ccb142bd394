/**
 * Append metadata (docs/extensions.md): a write of messages answers the seq of its first
 * message and its append time; HEAD answers the next seq; times never go backwards; forks
 * continue their source's seqs. On both stores.
 */
import { formatOffset } from "@rivulet/protocol";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { TestApp } from "../handlers/helpers.js";
import { appOn, json, STORES } from "./stores.js";

for (const kind of STORES) {
  describe(`append metadata (${kind.name} store)`, () => {
    let app: TestApp;
    beforeEach(async () => {
      app = await appOn(kind);
    });
    afterEach(() => app.close());

    const head = (path: string) => app.request(path, { method: "HEAD" });

    test("each append answers the seq of its first message and its time; HEAD the next seq", async () => {
      const path = app.path();
      const before = Date.now();
      const created = await app.create(path, "application/json", "[1,2,3]");
      expect(created.headers.get("stream-next-seq")).toBe("3");
      const first = await app.append(path, "application/json", "[4,5]");
      expect(first.headers.get("stream-append-seq")).toBe("3");
      const time = Number(first.headers.get("stream-append-time"));
      expect(time).toBeGreaterThanOrEqual(before);
      expect(time).toBeLessThanOrEqual(Date.now());
      const second = await app.append(path, "application/json", '{"six":6}');
      expect(second.headers.get("stream-append-seq")).toBe("5");
      expect(Number(second.headers.get("stream-append-time"))).toBeGreaterThanOrEqual(time);
      const meta = await head(path);
      expect(meta.headers.get("stream-next-seq")).toBe("6");
      expect(meta.headers.get("stream-earliest-offset")).toBe(formatOffset(0));
    });

    test("on byte streams every append is one message", async () => {
      const path = app.path();
      await app.create(path, "application/octet-stream");
      const a = await app.append(path, "application/octet-stream", new Uint8Array([1, 2, 3]));
      const b = await app.append(path, "application/octet-stream", new Uint8Array([4]));
      expect([a.headers.get("stream-append-seq"), b.headers.get("stream-append-seq")]).toEqual(["0", "1"]);
      expect((await head(path)).headers.get("stream-next-seq")).toBe("2");
    });

    test("a producer's duplicate and a close without data append nothing and answer no metadata", async () => {
      const path = app.path();
      await app.create(path, "application/json");
      const producer = { "producer-id": "p", "producer-epoch": "0", "producer-seq": "0" };
      const first = await app.append(path, "application/json", "[1]", producer);
      expect(first.headers.get("stream-append-seq")).toBe("0");
      const duplicate = await app.append(path, "application/json", "[1]", producer);
      expect(duplicate.status).toBe(204);
      expect(duplicate.headers.get("stream-append-seq")).toBeNull();
      const closed = await app.request(path, { method: "POST", headers: { "stream-closed": "true" } });
      expect(closed.status).toBe(204);
      expect(closed.headers.get("stream-append-seq")).toBeNull();
      expect((await head(path)).headers.get("stream-next-seq")).toBe("1");
    });

    test("a fork's seqs continue its source's from the fork position", async () => {
      const source = app.path("src");
      await app.create(source, "application/json", "[1,2,3,4]");
      const fork = app.path("fork");
      const made = await app.request(fork, {
        method: "PUT",
        headers: {
          ...json,
          "stream-forked-from": source,
          "stream-fork-offset": formatOffset(0),
          "stream-fork-sub-offset": "3",
        },
      });
      expect(made.status).toBe(201);
      expect(made.headers.get("stream-next-seq")).toBe("3");
      const appended = await app.append(fork, "application/json", "[9]");
      expect(appended.headers.get("stream-append-seq")).toBe("3");
      // The source goes on counting from its own tail.
      expect((await app.append(source, "application/json", "[5]")).headers.get("stream-append-seq")).toBe("4");
    });
  });
}
