/**
 * Point-in-time lookups (docs/extensions.md): `HEAD {stream}?at=<time>` names the first message
 * appended at or after that time: the tail after the last, the earliest retained message
 * before the first. Times come from an injected clock. On both stores.
 */
import { formatOffset } from "@rivulet/protocol";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { TestApp } from "../handlers/helpers.js";
import { appOn, json, STORES } from "./stores.js";

for (const kind of STORES) {
  describe(`point in time (${kind.name} store)`, () => {
    let app: TestApp;
    let now = 0;
    beforeEach(async () => {
      now = Date.UTC(2026, 10, 30, 9);
      app = await appOn(kind, { clock: () => now });
    });
    afterEach(() => app.close());

    const at = async (path: string, time: string) => {
      const res = await app.request(`${path}?at=${encodeURIComponent(time)}`, { method: "HEAD" });
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      return {
        offset: res.headers.get("stream-at-offset"),
        seq: res.headers.get("stream-at-seq"),
        time: res.headers.get("stream-at-time"),
      };
    };

    /** Appends `[values]` at clock time `time`; returns the offset it started at. */
    const appendAt = async (path: string, time: number, values: unknown[]) => {
      now = time;
      const before = (await app.request(path, { method: "HEAD" })).headers.get("stream-next-offset")!;
      await app.append(path, "application/json", JSON.stringify(values));
      return before;
    };

    test("the first message appended at or after a time: exact, between, before the first, after the last", async () => {
      const path = app.path();
      await app.create(path, "application/json");
      const t0 = now;
      const first = await appendAt(path, t0 + 1000, [1, 2]);
      const second = await appendAt(path, t0 + 2000, [3]);
      const third = await appendAt(path, t0 + 3000, [4]);
      expect(await at(path, String(t0 + 2000))).toEqual({ offset: second, seq: "2", time: String(t0 + 2000) });
      expect(await at(path, String(t0 + 2500))).toEqual({ offset: third, seq: "3", time: String(t0 + 3000) });
      expect(await at(path, String(t0))).toEqual({ offset: first, seq: "0", time: String(t0 + 1000) });
      const tail = (await app.request(path, { method: "HEAD" })).headers.get("stream-next-offset");
      expect(await at(path, String(t0 + 3001))).toEqual({ offset: tail, seq: "4", time: null });
      // RFC 3339 names the same instant.
      expect(await at(path, new Date(t0 + 2000).toISOString())).toEqual({
        offset: second,
        seq: "2",
        time: String(t0 + 2000),
      });
      expect(await at(path, "2026-11-30T10:00:02+01:00")).toEqual({
        offset: second,
        seq: "2",
        time: String(t0 + 2000),
      });
    });

    test("a clock that goes back never takes append times back", async () => {
      const path = app.path();
      await app.create(path, "application/json");
      const t0 = now;
      await appendAt(path, t0 + 5000, [1]);
      const late = await app.append(path, "application/json", "[2]");
      now = t0 + 1000;
      const back = await app.append(path, "application/json", "[3]");
      expect(Number(back.headers.get("stream-append-time"))).toBe(Number(late.headers.get("stream-append-time")));
      expect((await at(path, String(t0 + 2000))).seq).toBe("0");
    });

    test("after a trim, a time before the earliest message names the earliest one", async () => {
      const path = app.path();
      await app.create(path, "application/json");
      const t0 = now;
      await appendAt(path, t0 + 1000, ["old"]);
      const kept = await appendAt(path, t0 + 2000, ["kept"]);
      const trimmed = await app.request(`/v1/stream/__ds/trim/${path.slice("/v1/stream/".length)}`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ offset: kept }),
      });
      expect(trimmed.status).toBe(200);
      expect(await at(path, String(t0))).toEqual({ offset: kept, seq: "1", time: String(t0 + 2000) });
    });

    test("on a fork, inherited messages are found by their source's times", async () => {
      const source = app.path("src");
      await app.create(source, "application/json");
      const t0 = now;
      await appendAt(source, t0 + 1000, ["a"]);
      const fork = app.path("fork");
      const position = (await app.request(source, { method: "HEAD" })).headers.get("stream-next-offset")!;
      now = t0 + 1500;
      expect(
        (await app.request(fork, { method: "PUT", headers: { ...json, "stream-forked-from": source } })).status,
      ).toBe(201);
      await appendAt(fork, t0 + 3000, ["f"]);
      expect(await at(fork, String(t0))).toEqual({ offset: formatOffset(0), seq: "0", time: String(t0 + 1000) });
      expect(await at(fork, String(t0 + 2000))).toEqual({ offset: position, seq: "1", time: String(t0 + 3000) });
    });

    test("a time that is not one is INVALID_AT", async () => {
      const path = app.path();
      await app.create(path, "application/json");
      // HEAD answers carry no body over HTTP: the app is asked directly for the error code.
      for (const time of ["yesterday", "-1", "2026-13-01T00:00:00Z"]) {
        const bad = await app.app.handle({
          id: "t",
          bodyBytes: 0,
          method: "HEAD",
          path,
          query: new URLSearchParams({ at: time }),
          header: () => undefined,
          readBody: async () => new Uint8Array(0),
          onClose: () => {},
        });
        expect(bad.status).toBe(400);
        expect(JSON.parse(Buffer.concat(bad.body!).toString()).error.code).toBe("INVALID_AT");
      }
    });
  });
}
