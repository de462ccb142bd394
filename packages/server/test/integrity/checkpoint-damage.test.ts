/**
 * Checkpoints carry checksums (docs/storage.md, "Checkpoints"). A damaged one is set aside and
 * recovery falls back to the checkpoint before it, or to the whole log, and never to a
 * silently wrong catalog; with neither, the server refuses to start and points at fsck.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dataDir, fingerprint, flipByte, post, put, refusedStart, type Server, serve, text } from "./support.js";

/** `runs` servers, each writing a stream and stopping cleanly (one checkpoint per stop). */
async function cleanRuns(runs: number): Promise<string> {
  const dir = await dataDir();
  for (let run = 0; run < runs; run++) {
    const server = await serve(dir);
    await put(server, `run-${run}`, "text/plain", `written in run ${run};`);
    if (run > 0) await post(server, "run-0", `more in run ${run};`);
    await server.stop();
  }
  return dir;
}

async function checkpoints(dir: string): Promise<string[]> {
  // Not the tripwire for releases of format 2 (a directory named like the newest checkpoint).
  return (await readdir(dir))
    .filter((name) => /^checkpoint-\d{16}\.jsonl$/.test(name) && !name.startsWith("checkpoint-9999"))
    .sort();
}

/** Flips a byte inside the `"path"` key of the checkpoint's first stream line. */
async function damagePathKey(file: string): Promise<void> {
  const content = await readFile(file, "utf8");
  await flipByte(file, content.indexOf('"path"') + 2);
}

async function expectEveryRun(server: Server, runs: number): Promise<void> {
  let first = "written in run 0;";
  for (let run = 1; run < runs; run++) first += `more in run ${run};`;
  expect(await text(server, "run-0")).toBe(first);
  for (let run = 1; run < runs; run++) expect(await text(server, `run-${run}`)).toBe(`written in run ${run};`);
}

describe("a damaged checkpoint", () => {
  test("the only checkpoint, a flipped path key: recovered from the whole log, set aside, and the next checkpoint is right", async () => {
    const dir = await cleanRuns(1);
    const [only] = await checkpoints(dir);
    await damagePathKey(join(dir, only!));
    let server = await serve(dir);
    await expectEveryRun(server, 1);
    await server.waitForOutput(/damaged checkpoint set aside/);
    expect(await readdir(dir)).toContain(`${only}.damaged`);
    await server.stop();
    // The checkpoint written at that stop holds the right catalog.
    server = await serve(dir);
    await expectEveryRun(server, 1);
  });

  test("the newest of two: recovered from the one before it and the log after that", async () => {
    const dir = await cleanRuns(3);
    const kept = await checkpoints(dir);
    expect(kept).toHaveLength(2);
    await damagePathKey(join(dir, kept[1]!));
    const server = await serve(dir);
    await expectEveryRun(server, 3);
    await server.waitForOutput(new RegExp(`"file":"${kept[1]}".*set aside`));
  });

  test("both kept checkpoints damaged and the log no longer complete: refuses, changes nothing, points at fsck", async () => {
    const dir = await cleanRuns(3);
    const kept = await checkpoints(dir);
    for (const file of kept) await damagePathKey(join(dir, file));
    const before = await fingerprint(dir);
    const refused = await refusedStart(dir);
    expect(refused.code).toBe(6);
    expect(refused.output).toContain(`rivulet: DATA_CORRUPTED: No intact checkpoint (${kept[1]}: line 2 of`);
    expect(refused.output).toContain(`Run: rivulet fsck --data-dir ${dir}`);
    expect(await fingerprint(dir)).toEqual(before);
  });
});
