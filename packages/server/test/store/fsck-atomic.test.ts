/**
 * fsck --repair and transactions: a repair salvages the intact records of a damaged log batch,
 * but an atomic unit only when every record of it is intact, so a repaired directory never
 * holds part of a transaction.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppendRecord, FileStore, repairDataDir, type StreamMeta } from "@rivulet/server";
import { afterEach, beforeEach, expect, test } from "vitest";
import { batches, segmentPath } from "../integrity/support.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-fsck-atomic-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = (text: string) => new TextEncoder().encode(text);
const meta = (path: string): StreamMeta => ({
  path,
  contentType: "text/plain",
  lifetime: {},
  createdAt: 0,
  retention: {},
});
const record = (position: number, data: string): AppendRecord => ({
  position,
  data: bytes(data),
  producer: undefined,
  streamSeq: undefined,
  close: false,
  ts: 1,
  messages: 1,
});

async function contents(store: FileStore, path: string): Promise<string> {
  const stored = await store.lookup(path);
  return new TextDecoder().decode(await store.read(path, 0, stored!.tail));
}

async function damagedUnit(damageRecord: number): Promise<FileStore> {
  const store = new FileStore({ dir });
  await store.open();
  await store.create(meta("/a"), record(0, "a0"));
  await store.create(meta("/b"), record(0, "b0"));
  await store.create(meta("/c"), record(0, "c0"));
  await store.appendAtomic([
    { path: "/a", record: record(2, "+unit-a") },
    { path: "/b", record: record(2, "+unit-b") },
  ]);
  await store.append("/b", record(9, "+b-later"));
  await store.append("/c", record(2, "+c-later"));
  await store.simulateCrash();
  const file = segmentPath(dir, 0);
  const unit = (await batches(file)).find((batch) => batch.records.length === 2)!;
  const content = await readFile(file);
  // A byte inside the payload of one record of the unit (the payload ends the record).
  const end = unit.records[damageRecord + 1] ?? unit.end;
  content[end - 3] = content[end - 3]! ^ 0x20;
  await writeFile(file, content);
  await expect(new FileStore({ dir }).open()).rejects.toThrow(/damaged/);
  const { repair } = await repairDataDir(dir);
  expect(repair).toBeDefined();
  const repaired = new FileStore({ dir });
  await repaired.open();
  return repaired;
}

for (const [which, damaged] of [
  ["first", 0],
  ["second", 1],
] as const) {
  test(`a unit whose ${which} record is damaged is dropped whole by a repair; its streams keep their prefix`, async () => {
    const store = await damagedUnit(damaged);
    expect(await contents(store, "/a")).toBe("a0");
    // The unit's part of /b was intact, and goes with the rest of the unit; what /b had after it goes too.
    expect(await contents(store, "/b")).toBe("b0");
    expect(await contents(store, "/c")).toBe("c0+c-later");
    await store.close();
  });
}
