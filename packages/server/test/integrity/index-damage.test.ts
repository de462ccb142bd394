/**
 * Append-index files are checked like data files (docs/storage.md, "Checking and repairing"):
 * a damaged entry is found by fsck; when the log still holds the appends a repair rewrites it
 * and loses nothing; when only the file held it, the stream keeps every append before the
 * damage, with its seqs and times, and goes on from there.
 */
import { join } from "node:path";
import { checkDataDir, repairDataDir } from "@rivulet/server";
import { describe, expect, test } from "vitest";
import { dataDir, flipByte, post, put, serve } from "./support.js";

const ENTRY = 32;

/** Ten appends of one JSON message each to stream 1, then `stops` clean stops (so the log no longer holds them). */
async function appended(stops: number): Promise<string> {
  const dir = await dataDir();
  let server = await serve(dir);
  await put(server, "events", "application/json");
  for (let n = 0; n < 10; n++) await post(server, "events", JSON.stringify({ n }), "application/json");
  for (let run = 0; run < stops; run++) {
    await server.stop();
    server = await serve(dir);
    await put(server, `other-${run}`, "text/plain", "x");
  }
  await server.stop();
  return dir;
}

interface Rec {
  seq: number;
  ts: number;
  value: { n: number };
}

describe("a damaged append index", () => {
  test("only the index file holds: found, and the stream keeps the appends before the damage", async () => {
    const dir = await appended(3);
    const before = await serve(dir);
    const original = (await (await fetch(`${before.stream("events")}?offset=-1&view=records`)).json()) as Rec[];
    await before.stop();
    await flipByte(join(dir, "streams", "1.idx"), 6 * ENTRY + 3); // the seventh entry's seq
    const report = await checkDataDir(dir);
    expect(report.clean).toBe(false);
    const damage = report.dataFiles.find((d) => d.stream === "/v1/stream/events")!.damage;
    expect(damage).toEqual([expect.objectContaining({ kind: "index", inLog: false })]);
    expect(report.losses).toEqual([expect.objectContaining({ stream: "/v1/stream/events", wholeStream: false })]);

    const { repair } = await repairDataDir(dir);
    expect(repair?.quarantined).toContain("streams/1.idx");
    expect(await checkDataDir(dir)).toMatchObject({ clean: true });
    const server = await serve(dir);
    // The sixth append (the last intact entry before the damage) goes with it: five are left.
    const kept = (await (await fetch(`${server.stream("events")}?offset=-1&view=records`)).json()) as Rec[];
    expect(kept).toEqual(original.slice(0, 5));
    const head = await fetch(server.stream("events"), { method: "HEAD" });
    expect(head.headers.get("stream-next-seq")).toBe("5");
    const next = await fetch(server.stream("events"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"n":"after"}',
    });
    expect(next.headers.get("stream-append-seq")).toBe("5");
    await server.stop();
  });

  test("the log still holds: found, and a repair rewrites it losing nothing", async () => {
    // One clean stop: one checkpoint, and the log from the start kept beside it.
    const dir = await appended(0);
    await flipByte(join(dir, "streams", "1.idx"), 2 * ENTRY + 10);
    const report = await checkDataDir(dir);
    expect(report.clean).toBe(false);
    const damage = report.dataFiles.find((d) => d.stream === "/v1/stream/events")!.damage;
    expect(damage).toEqual([expect.objectContaining({ kind: "index", inLog: true })]);
    expect(report.losses).toEqual([]);
    await repairDataDir(dir);
    expect(await checkDataDir(dir)).toMatchObject({ clean: true });
    const repaired = await serve(dir);
    const records = (await (await fetch(`${repaired.stream("events")}?offset=-1&view=records`)).json()) as Rec[];
    expect(records.map((r) => [r.seq, r.value.n])).toEqual(Array.from({ length: 10 }, (_, i) => [i, i]));
    await repaired.stop();
  });
});
