/**
 * The records view, append metadata and `?at=` lookups describe the same messages the same way
 * (docs/extensions.md), on a stream of one message and on one of a million (built with large
 * batched appends, each at its own clock time). Messages have a fixed stored width, so the
 * offset of message m is known without reading: 11·m. On both stores.
 */
import { formatOffset } from "@rivulet/protocol";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { TestApp } from "../handlers/helpers.js";
import { appOn, STORES } from "./stores.js";

interface Rec {
  offset: string;
  next_offset: string;
  seq: number;
  ts: number;
  value: string;
}

const WIDTH = 11; // "0000042",\n
const PER_APPEND = 10_000;
const APPENDS = 100;
const TOTAL = PER_APPEND * APPENDS;

const message = (m: number) => `"${String(m).padStart(7, "0")}"`;

for (const kind of STORES) {
  describe(`records, append metadata and point in time agree (${kind.name} store)`, () => {
    let app: TestApp;
    let now = 0;
    beforeEach(async () => {
      now = Date.UTC(2026, 10, 30);
      app = await appOn(kind, { clock: () => now });
    });
    afterEach(() => app.close());

    const head = (path: string, query = "") => app.request(`${path}${query}`, { method: "HEAD" });
    const records = async (path: string, query: string): Promise<Rec[]> =>
      (await (await app.request(`${path}?${query}&view=records`)).json()) as Rec[];

    test("a stream of one message", async () => {
      const path = app.path();
      await app.create(path, "application/json");
      now += 1000;
      const appended = await app.append(path, "application/json", message(0));
      const time = Number(appended.headers.get("stream-append-time"));
      expect(time).toBe(now);
      expect(appended.headers.get("stream-append-seq")).toBe("0");
      const [only, ...rest] = await records(path, "offset=-1");
      expect(rest).toEqual([]);
      expect(only).toEqual({
        offset: formatOffset(0),
        next_offset: formatOffset(WIDTH),
        seq: 0,
        ts: time,
        value: "0000000",
      });
      const at = await head(path, `?at=${time}`);
      expect([
        at.headers.get("stream-at-offset"),
        at.headers.get("stream-at-seq"),
        at.headers.get("stream-at-time"),
      ]).toEqual([formatOffset(0), "0", String(time)]);
      const after = await head(path, `?at=${time + 1}`);
      expect([after.headers.get("stream-at-offset"), after.headers.get("stream-at-seq")]).toEqual([
        formatOffset(WIDTH),
        "1",
      ]);
      expect(after.headers.get("stream-next-seq")).toBe("1");
    });

    test("a stream of 1,000,000 messages", async () => {
      const path = app.path();
      await app.create(path, "application/json");
      const appends: Array<{ seq: number; time: number; end: string }> = [];
      for (let i = 0; i < APPENDS; i++) {
        now += 1000;
        const body = `[${Array.from({ length: PER_APPEND }, (_, k) => message(i * PER_APPEND + k)).join(",")}]`;
        const res = await app.append(path, "application/json", body);
        appends.push({
          seq: Number(res.headers.get("stream-append-seq")),
          time: Number(res.headers.get("stream-append-time")),
          end: res.headers.get("stream-next-offset")!,
        });
      }
      expect((await head(path)).headers.get("stream-next-seq")).toBe(String(TOTAL));
      for (const [i, append] of appends.entries()) {
        expect(append).toEqual({
          seq: i * PER_APPEND,
          time: appends[0]!.time + i * 1000,
          end: formatOffset((i + 1) * PER_APPEND * WIDTH),
        });
      }

      // ?at= names each append's first message, as its metadata does.
      for (const [i, append] of appends.entries()) {
        const at = await head(path, `?at=${append.time - (i % 2 === 0 ? 0 : 500)}`);
        expect(at.headers.get("stream-at-offset")).toBe(formatOffset(append.seq * WIDTH));
        expect(at.headers.get("stream-at-seq")).toBe(String(append.seq));
        expect(at.headers.get("stream-at-time")).toBe(String(append.time));
      }
      const past = await head(path, `?at=${now + 1}`);
      expect([past.headers.get("stream-at-offset"), past.headers.get("stream-at-seq")]).toEqual([
        formatOffset(TOTAL * WIDTH),
        String(TOTAL),
      ]);

      // The records view from any message, inside an append or not, says the same.
      const sample = [0, 1, 4095, 9999, 10_000, 123_457, 500_000, 777_777, TOTAL - 2, TOTAL - 1];
      for (let k = 0; k < 40; k++) sample.push(Math.floor(Math.random() * TOTAL));
      for (const m of sample) {
        const [first, second] = await records(path, `offset=${formatOffset(m * WIDTH)}&limit=2`);
        const append = appends[Math.floor(m / PER_APPEND)]!;
        expect(first).toEqual({
          offset: formatOffset(m * WIDTH),
          next_offset: formatOffset((m + 1) * WIDTH),
          seq: m,
          ts: append.time,
          value: String(m).padStart(7, "0"),
        });
        if (m + 1 < TOTAL) expect(second!.seq).toBe(m + 1);
      }

      // A whole pass through the records view sees every message once, in order.
      let offset = "-1";
      let expected = 0;
      for (;;) {
        const res = await app.request(`${path}?offset=${offset}&view=records`);
        const page = (await res.json()) as Rec[];
        for (const record of page) {
          if (record.seq !== expected || record.value !== String(expected).padStart(7, "0")) {
            throw new Error(`record ${expected} is ${JSON.stringify(record)}`);
          }
          expected++;
        }
        offset = res.headers.get("stream-next-offset")!;
        if (res.headers.get("stream-up-to-date") === "true") break;
      }
      expect(expected).toBe(TOTAL);
    }, 120_000);
  });
}
