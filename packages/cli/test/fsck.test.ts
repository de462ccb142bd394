/**
 * `rivulet fsck` against real data directories written by real servers and damaged by the test
 * (docs/storage.md, "Checking and repairing"): it reports a clean directory as clean, finds
 * every damage the integrity tests inject, says which streams and offsets are affected, and
 * `--repair` copies damaged files aside, drops exactly what it says, and leaves a directory
 * a server opens and fsck calls clean.
 */
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import {
  batches,
  dataDir,
  flipByte,
  post,
  put,
  type Server,
  segmentPath,
  serve,
  text,
} from "../../server/test/integrity/support.js";
import { rivulet } from "./support/cli-process.js";

const fsck = (dir: string, ...flags: string[]) => rivulet(["fsck", "--data-dir", dir, ...flags]);

/** A checkpoint file; not the directory named like the newest one, which stops releases of format 2. */
const isCheckpoint = (name: string) => name.startsWith("checkpoint-") && name !== "checkpoint-9999999999999999.jsonl";

interface JsonReport {
  clean: boolean;
  streams: number;
  losses: Array<{ stream: string; from: number; to: number; records?: number; wholeStream: boolean }>;
  segments: Array<{ file: string; status: string; damage?: { offset: number; recordsAfter: number } }>;
  checkpoints: Array<{ file: string; status: string }>;
  dataFiles: Array<{
    file: string;
    status: string;
    damage: Array<{ from: number; to: number; kind: string; inLog: boolean }>;
  }>;
  repair?: { quarantine: string; quarantined: string[]; losses: JsonReport["losses"] };
}

async function jsonFsck(dir: string, ...flags: string[]): Promise<{ code: number | null; report: JsonReport }> {
  const { code, stdout } = await fsck(dir, "--json", ...flags);
  return { code, report: JSON.parse(stdout) as JsonReport };
}

async function numbers(server: Server, path: string, from: number, count: number): Promise<void> {
  for (let n = from; n < from + count; n++) await post(server, path, JSON.stringify({ n }), "application/json");
}

const ns = async (server: Server, path: string) =>
  (JSON.parse(await text(server, path)) as Array<{ n: number }>).map((m) => m.n);

/**
 * Each directory below is written by real servers once per file and copied for every test that
 * damages it: the servers' runs are the slow part, and every test gets its own copy to damage.
 */
const templates: string[] = [];
afterAll(() => Promise.all(templates.map((dir) => rm(dir, { recursive: true, force: true }))));

function onceThenCopied(write: () => Promise<string>): () => Promise<string> {
  let written: Promise<string> | undefined;
  return async () => {
    // Kept apart from dataDir()'s directories, which go after each test.
    written ??= write().then(async (dir) => {
      const kept = await mkdtemp(join(tmpdir(), "rivulet-fsck-written-"));
      templates.push(kept);
      await cp(dir, kept, { recursive: true });
      return kept;
    });
    const copy = await dataDir();
    await cp(await written, copy, { recursive: true });
    return copy;
  };
}

/** Two crashed runs writing {"n":0..19} to one JSON stream: the log holds it all, in segments 0 and 1. */
const twoCrashedRuns = onceThenCopied(writeTwoCrashedRuns);
async function writeTwoCrashedRuns(): Promise<string> {
  const dir = await dataDir();
  const first = await serve(dir);
  await put(first, "numbers", "application/json");
  await numbers(first, "numbers", 0, 10);
  await first.kill();
  const second = await serve(dir);
  await numbers(second, "numbers", 10, 10);
  await second.kill();
  return dir;
}

/** `runs` clean stops: stream run-0 is written in the first, so after three its bytes are only in its data file. */
const cleanRunsOf = { 1: onceThenCopied(() => writeCleanRuns(1)), 3: onceThenCopied(() => writeCleanRuns(3)) };
const cleanRuns = (runs: 1 | 3) => cleanRunsOf[runs]();
async function writeCleanRuns(runs: number): Promise<string> {
  const dir = await dataDir();
  for (let run = 0; run < runs; run++) {
    const server = await serve(dir);
    if (run === 0) {
      await put(server, "run-0", "application/octet-stream");
      await post(server, "run-0", "a".repeat(40_000) + "b".repeat(40_000), "application/octet-stream");
      const fork = await fetch(server.stream("fork"), {
        method: "PUT",
        headers: { "content-type": "application/octet-stream", "stream-forked-from": "/v1/stream/run-0" },
      });
      expect(fork.status).toBe(201);
    }
    await put(server, `run-${run + 1}`, "text/plain", `run ${run}`);
    await server.stop();
  }
  return dir;
}

describe("rivulet fsck on intact directories", () => {
  test("after a clean stop, after a crash, and the previous format's directory: clean, exit 0", async () => {
    const stopped = await cleanRuns(1);
    const { code, stdout } = await fsck(stopped);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^clean: 3 streams$/m);
    expect(stdout).toMatch(/^ {2}intact +checkpoint-0000000000000001\.jsonl {2}boundary 1, 3 streams$/m);

    const crashed = await twoCrashedRuns();
    expect((await fsck(crashed)).code).toBe(0);

    const fixture = await dataDir();
    await cp(fileURLToPath(new URL("../../server/test/store/fixtures/v1-data-dir", import.meta.url)), fixture, {
      recursive: true,
    });
    const legacy = await fsck(fixture);
    expect(legacy.code).toBe(0);
    expect(legacy.stdout).toContain("no checksums yet: the next start adds them");
  });

  test("a torn tail is a note, not damage", async () => {
    const dir = await twoCrashedRuns();
    const file = segmentPath(dir, 1);
    const last = (await batches(file)).at(-1)!;
    await flipByte(file, last.end - 2);
    const { code, stdout } = await fsck(dir);
    expect(code).toBe(0);
    expect(stdout).toContain("ends in a torn write");
  });

  test("a directory a server holds: refused in one line naming its pid, exit 5", async () => {
    const dir = await dataDir();
    const server = await serve(dir);
    const { code, stderr, stdout } = await fsck(dir);
    expect(code).toBe(5);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `rivulet: DATA_DIR_LOCKED: data directory ${dir} is in use by process ${server.child.pid}; stop the server before running fsck\n`,
    );
  });
});

describe("rivulet fsck finds damage and --repair repairs it", () => {
  test("a flipped byte in an older log segment: the stream keeps its prefix, later records are dropped and counted", async () => {
    const dir = await twoCrashedRuns();
    const older = segmentPath(dir, 0);
    const damaged = (await batches(older))[5]!; // holds {"n":4}
    await flipByte(older, damaged.end - 3);
    const { code, report } = await jsonFsck(dir);
    expect(code).toBe(6);
    expect(report.clean).toBe(false);
    expect(report.segments[0]).toMatchObject({
      status: "damaged",
      damage: { offset: damaged.offset, recordsAfter: 5 },
    });
    // {"n":0}..{"n":3} are 4 × 9 bytes; {"n":5}..{"n":19} (15 records) are dropped: no stream gets a gap.
    expect(report.losses).toEqual([
      expect.objectContaining({ stream: "/v1/stream/numbers", from: 36, to: 190, records: 15, wholeStream: false }),
    ]);

    const repaired = await fsck(dir, "--repair");
    expect(repaired.code).toBe(7);
    expect(repaired.stdout).toContain("/v1/stream/numbers: offsets [36, 190), 15 log records");
    const quarantine = /damaged files copied to (\S+):/.exec(repaired.stdout)![1]!;
    expect(await readFile(join(quarantine, "wal", "0000000000000000.wal"))).toBeTruthy();
    expect((await fsck(dir)).code).toBe(0);
    const server = await serve(dir);
    expect(await ns(server, "numbers")).toEqual([0, 1, 2, 3]);
    await numbers(server, "numbers", 4, 1);
    expect(await ns(server, "numbers")).toEqual([0, 1, 2, 3, 4]);
  });

  test("a flipped byte in a stream's creation record: the whole stream is reported lost by number, its data file quarantined", async () => {
    const dir = await dataDir();
    const server = await serve(dir);
    for (const name of ["a", "b", "c"]) await put(server, name, "text/plain", `text of ${name}`);
    await server.kill();
    const file = segmentPath(dir, 0);
    const creation = (await batches(file))[1]!; // creates stream b (id 2)
    await flipByte(file, creation.end - 3);
    const { code, report } = await jsonFsck(dir);
    expect(code).toBe(6);
    expect(report.losses).toEqual([expect.objectContaining({ stream: "#2", from: 0, to: 9, wholeStream: true })]);

    const repaired = await fsck(dir, "--repair");
    expect(repaired.code).toBe(7);
    expect(repaired.stdout).toContain("#2: the whole stream");
    const quarantine = /damaged files copied to (\S+):/.exec(repaired.stdout)![1]!;
    expect((await readFile(join(quarantine, "streams", "2.data"))).toString()).toBe("text of b");
    const after = await serve(dir);
    expect(await text(after, "a")).toBe("text of a");
    expect(await text(after, "c")).toBe("text of c");
  });

  test("a flipped byte in a data file the log still holds: reported, and repaired without loss", async () => {
    const dir = await cleanRuns(1);
    await flipByte(join(dir, "streams", "1.data"), 50_000);
    const { code, report } = await jsonFsck(dir);
    expect(code).toBe(6);
    const file = report.dataFiles.find((d) => d.file === "streams/1.data")!;
    expect(file).toMatchObject({
      status: "damaged",
      damage: [{ from: 32_768, to: 65_536, kind: "data", inLog: true }],
    });
    expect(report.losses).toEqual([]);
    const repaired = await fsck(dir, "--repair");
    expect(repaired.code).toBe(7);
    expect(repaired.stdout).toContain("nothing was dropped");
    const server = await serve(dir);
    expect(await text(server, "run-0")).toBe("a".repeat(40_000) + "b".repeat(40_000));
  });

  test("a flipped byte in a data file only it holds: cut at that block; a fork of the lost range goes too", async () => {
    const dir = await cleanRuns(3);
    await flipByte(join(dir, "streams", "1.data"), 50_000);
    const { code, report } = await jsonFsck(dir);
    expect(code).toBe(6);
    expect(report.dataFiles.find((d) => d.file === "streams/1.data")!.damage).toEqual([
      { from: 32_768, to: 65_536, kind: "data", inLog: false },
    ]);
    expect(report.losses).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stream: "/v1/stream/run-0", from: 32_768, to: 80_000, wholeStream: false }),
        expect.objectContaining({ stream: "/v1/stream/fork", wholeStream: true }),
      ]),
    );
    expect((await fsck(dir, "--repair")).code).toBe(7);
    const server = await serve(dir);
    expect(await text(server, "run-0")).toBe("a".repeat(32_768));
    expect((await fetch(server.stream("fork"))).status).toBe(404);
    expect(await text(server, "run-3")).toBe("run 2");
  });

  test("a flipped byte in a checksum file: the slot is rewritten from the data", async () => {
    const dir = await cleanRuns(3);
    await flipByte(join(dir, "streams", "1.crc"), 2);
    const { code, report } = await jsonFsck(dir);
    expect(code).toBe(6);
    expect(report.dataFiles.find((d) => d.file === "streams/1.data")!.damage[0]).toMatchObject({ kind: "checksum" });
    expect(report.losses).toEqual([]);
    const repaired = await fsck(dir, "--repair");
    expect(repaired.stdout).toContain("rewrote the damaged checksum of block 0 of /v1/stream/run-0");
    const server = await serve(dir);
    expect(await text(server, "run-0")).toBe("a".repeat(40_000) + "b".repeat(40_000));
  });

  test("a flipped path key in the newest checkpoint: found; the repair loses nothing", async () => {
    const dir = await cleanRuns(3);
    const newest = (await readdir(dir)).filter(isCheckpoint).sort().at(-1)!;
    const content = await readFile(join(dir, newest), "utf8");
    await flipByte(join(dir, newest), content.indexOf('"path"') + 2);
    const { code, report } = await jsonFsck(dir);
    expect(code).toBe(6);
    expect(report.checkpoints.find((c) => c.file === newest)).toMatchObject({ status: "damaged" });
    expect(report.losses).toEqual([]);
    expect((await fsck(dir, "--repair")).code).toBe(7);
    expect((await fsck(dir)).code).toBe(0);
    const server = await serve(dir);
    expect(await text(server, "run-3")).toBe("run 2");
    expect(await text(server, "run-0")).toBe("a".repeat(40_000) + "b".repeat(40_000));
  });

  test("both checkpoints damaged and the log incomplete (the server refuses): the repair salvages every intact line", async () => {
    const dir = await cleanRuns(3);
    const kept = (await readdir(dir)).filter(isCheckpoint).sort();
    for (const file of kept) {
      const content = await readFile(join(dir, file), "utf8");
      // The second stream line: /v1/stream/fork (the first, run-0, stays readable).
      await flipByte(join(dir, file), content.indexOf('"path"', content.indexOf('"path"') + 1) + 2);
    }
    const { code, report } = await jsonFsck(dir);
    expect(code).toBe(6);
    expect(report.losses).toEqual([expect.objectContaining({ stream: `(line 3 of ${kept[1]})`, wholeStream: true })]);
    const repaired = await fsck(dir, "--repair");
    expect(repaired.code).toBe(7);
    const server = await serve(dir);
    expect(await text(server, "run-0")).toBe("a".repeat(40_000) + "b".repeat(40_000));
    expect(await text(server, "run-3")).toBe("run 2");
    expect((await fetch(server.stream("fork"))).status).toBe(404);
  });
});

describe("rivulet fsck --help", () => {
  test("shows the flags, the exit codes and examples", async () => {
    const { code, stdout } = await rivulet(["fsck", "--help"]);
    expect(code).toBe(0);
    for (const flag of ["--data-dir <dir>", "--repair", "--json"]) expect(stdout).toContain(flag);
    expect(stdout).toContain("0 clean; 6 damage found; 7 damage found and repaired");
    expect(stdout).toMatch(/Examples:\n {2}rivulet fsck --data-dir/);
  });
});
