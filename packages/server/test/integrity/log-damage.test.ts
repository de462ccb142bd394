/**
 * Torn tail versus corruption in the log (docs/storage.md, "Recovery"), with real servers and
 * real files: only damage at the end of the newest segment with no intact batch after it is a
 * torn tail to cut; a flipped byte anywhere else stops the start with the file, the byte
 * offset and the number of intact records after it, and changes nothing on disk.
 */
import { readFile, writeFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import {
  batches,
  dataDir,
  fingerprint,
  flipByte,
  post,
  put,
  refusedStart,
  type Server,
  segmentPath,
  serve,
  text,
} from "./support.js";

/** Appends `count` numbered messages one after another (one batch each). */
async function appendNumbers(server: Server, path: string, from: number, count: number): Promise<void> {
  for (let n = from; n < from + count; n++) await post(server, path, JSON.stringify({ n }), "application/json");
}

/** Two crashed runs: segment 0 and segment 1 both hold acknowledged records no checkpoint covers. */
async function twoCrashedRuns(): Promise<string> {
  const dir = await dataDir();
  const first = await serve(dir);
  await put(first, "numbers", "application/json");
  await appendNumbers(first, "numbers", 0, 10);
  await first.kill();
  const second = await serve(dir);
  await appendNumbers(second, "numbers", 10, 10);
  await second.kill();
  return dir;
}

/** A byte inside the payload of the first record of a batch (the payload ends the record). */
async function payloadByte(file: string, batch: number): Promise<number> {
  const layout = (await batches(file))[batch]!;
  const next = layout.records[1] ?? layout.end;
  return next - 3;
}

describe("corruption stops the start and changes nothing", () => {
  test("a flipped byte in the middle of an older segment", async () => {
    const dir = await twoCrashedRuns();
    const older = segmentPath(dir, 0);
    const layout = await batches(older);
    // Batch 0 creates the stream; damage batch 5 of 11: five intact records follow it there.
    await flipByte(older, await payloadByte(older, 5));
    const before = await fingerprint(dir);
    const refused = await refusedStart(dir);
    expect(refused.code).toBe(6);
    expect(refused.output).toContain(
      `rivulet: DATA_CORRUPTED: Log segment ${older} is damaged at byte ${layout[5]!.offset} (not the newest segment); ` +
        "5 intact records in 5 batches follow it. Nothing was changed. Run: rivulet fsck --data-dir",
    );
    expect(await fingerprint(dir)).toEqual(before);
  });

  test("a flipped byte in the newest segment with intact batches after it", async () => {
    const dir = await twoCrashedRuns();
    const newest = segmentPath(dir, 1);
    await flipByte(newest, await payloadByte(newest, 2));
    const before = await fingerprint(dir);
    const refused = await refusedStart(dir);
    expect(refused.code).toBe(6);
    expect(refused.output).toMatch(/is damaged at byte \d+; 7 intact records in 7 batches follow it/);
    expect(await fingerprint(dir)).toEqual(before);
  });

  test("a damaged segment header with intact batches after it", async () => {
    const dir = await twoCrashedRuns();
    await flipByte(segmentPath(dir, 0), 9);
    const refused = await refusedStart(dir);
    expect(refused.code).toBe(6);
    expect(refused.output).toMatch(/damaged at byte 0 \(not the newest segment\); 11 intact records/);
  });
});

describe("a torn tail is cut, and everything before it is served", () => {
  test("the last batch cut short", async () => {
    const dir = await twoCrashedRuns();
    const newest = segmentPath(dir, 1);
    const last = (await batches(newest)).at(-1)!;
    // The write's last sectors never reached the disk.
    const bytes = await readFile(newest);
    bytes.fill(0, last.end - 4, last.end);
    await writeFile(newest, bytes);
    const server = await serve(dir);
    const numbers = JSON.parse(await text(server, "numbers")) as Array<{ n: number }>;
    expect(numbers.map((m) => m.n)).toEqual(Array.from({ length: 19 }, (_, n) => n));
    await server.waitForOutput(/cut a torn tail off the log/);
    await post(server, "numbers", JSON.stringify({ n: 19 }), "application/json");
  });

  test("a torn group commit: a bad record followed by intact records of the same batch is still a torn tail", async () => {
    const dir = await dataDir();
    const server = await serve(dir);
    await put(server, "burst", "application/json");
    let sent = 0;
    let last: Awaited<ReturnType<typeof batches>>[number] | undefined;
    // Concurrent appends share a commit; send bursts until the last batch holds several records.
    for (let burst = 0; burst < 20 && (last?.records.length ?? 0) < 3; burst++) {
      await Promise.all(
        Array.from({ length: 16 }, () => post(server, "burst", JSON.stringify({ n: sent++ }), "application/json")),
      );
      last = (await batches(segmentPath(dir, 0))).at(-1);
    }
    expect(last!.records.length).toBeGreaterThanOrEqual(3);
    const before = JSON.parse(await text(server, "burst")) as Array<{ n: number }>;
    await server.kill();
    // Sectors landed out of order: the batch's first record is garbage, the ones after it intact.
    const file = segmentPath(dir, 0);
    await flipByte(file, last!.records[1]! - 3);
    const again = await serve(dir);
    const after = JSON.parse(await text(again, "burst")) as Array<{ n: number }>;
    expect(after).toEqual(before.slice(0, before.length - last!.records.length));
  });
});
