/**
 * Topics survive restarts on the file store, and a restart finishes what a crash left half
 * done: a creation whose partitions were not all made, a decided deletion whose partitions
 * are still there, changes the feed missed. Half-done states are made the way a crash leaves
 * them: the state log record written, the streams not (yet) changed.
 */
import { Engine, FileStore } from "@rivulet/server";
import { afterEach, describe, expect, test } from "vitest";
import { StateLog } from "../../src/features/state-log/index.js";
import type { TopicLogRecord } from "../../src/features/topics/state/records.js";
import { BASE, expectError, startApp, type TestApp } from "../handlers/helpers.js";
import { createTopic, describeTopic, produce, readRecords, TOPICS, tempDir, UNIT } from "./support.js";

let open: TestApp | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

async function start(dir: string): Promise<TestApp> {
  await open?.close();
  open = await startApp({ store: new FileStore({ dir, segmentBytes: UNIT }) });
  return open;
}

/** Writes records into the topics' state log directly, as the service would before acting on them. */
async function writeState(dir: string, records: TopicLogRecord[]): Promise<void> {
  const engine = new Engine({ store: new FileStore({ dir, segmentBytes: UNIT }), internalPrefix: `${BASE}/__ds/` });
  await engine.open();
  const log = new StateLog<TopicLogRecord>({ engine, root: `${BASE}/__ds/state/topics`, compactAfterRecords: 1000 });
  const replayed: TopicLogRecord[] = [];
  await log.open({ replay: (record) => replayed.push(record), snapshot: () => replayed });
  for (const record of records) await log.append(record);
  await log.close();
  await engine.store.close();
}

const feedOf = async (t: TestApp) =>
  (
    (await (await t.request(`${BASE}/topics/__changes?offset=-1`)).json()) as Array<{
      key: string;
      headers: { operation: string; txid: string };
    }>
  ).map((m) => `${m.key}:${m.headers.operation}:${m.headers.txid}`);

describe("topics across restarts (file store)", () => {
  test("topics, their records and the feed come back", async () => {
    const dir = await tempDir();
    let t = await start(dir);
    await createTopic(t, "kept", { partitions: 3, retention_ms: 600_000 });
    const produced = await produce(t, "kept", [{ key: "a", value: 1 }]);
    t = await start(dir);
    const described = await describeTopic(t, "kept");
    expect(described).toMatchObject({ config: { partitions: 3, retention_ms: 600_000 }, revision: 1 });
    const partition = produced.records[0]!.partition;
    expect((await readRecords(t, `${BASE}/topics/kept/${partition}`)).map((r) => r.value.value)).toEqual([1]);
    // The same create is still idempotent; the revision counter goes on.
    await createTopic(t, "kept", { partitions: 3, retention_ms: 600_000 }, 200);
    expect((await createTopic(t, "next")).revision).toBe(2);
    expect(await feedOf(t)).toEqual(["kept:insert:1", "next:insert:2"]);
  });

  test("a creation decided but not carried out gets its partitions at the next start", async () => {
    const dir = await tempDir();
    let t = await start(dir);
    await createTopic(t, "first");
    await open!.close();
    open = undefined;
    const config = {
      partitions: 2,
      contentType: "application/json" as const,
      cleanupPolicy: "delete" as const,
      retentionMs: undefined,
      retentionBytes: undefined,
      deleteRetentionMs: 1000,
    };
    await writeState(dir, [
      { op: "put", topic: { name: "half", config, createdAt: 1, createdRevision: 2, revision: 2, deleting: false } },
    ]);
    t = await start(dir);
    const described = await describeTopic(t, "half");
    expect(described.partitions).toHaveLength(2);
    expect((await produce(t, "half", [{ partition: 1, value: "ok" }])).status).toBe(200);
    // The feed learned of it at the start.
    expect(await feedOf(t)).toEqual(["first:insert:1", "half:insert:2"]);
  });

  test("a deletion decided but not carried out takes the partitions at the next start", async () => {
    const dir = await tempDir();
    let t = await start(dir);
    await createTopic(t, "doomed", { partitions: 2 });
    await produce(t, "doomed", [{ partition: 0, value: 1 }]);
    await open!.close();
    open = undefined;
    await writeState(dir, [{ op: "deleting", name: "doomed", revision: 2 }]);
    t = await start(dir);
    await expectError(await t.request(`${TOPICS}/doomed`), 404, "TOPIC_NOT_FOUND");
    await expectError(await t.request(`${BASE}/topics/doomed/0`), 404, "STREAM_NOT_FOUND");
    expect(await feedOf(t)).toEqual(["doomed:insert:1", "doomed:delete:2"]);
    // Purged: the name is free, and stays free across another restart.
    t = await start(dir);
    await createTopic(t, "doomed");
  });

  test("a partition deleted behind the topic's back is made again at the next start", async () => {
    const dir = await tempDir();
    let t = await start(dir);
    await createTopic(t, "healed", { partitions: 2 });
    expect((await t.request(`${BASE}/topics/healed/1`, { method: "DELETE" })).status).toBe(204);
    t = await start(dir);
    expect((await produce(t, "healed", [{ partition: 1, value: "back" }])).status).toBe(200);
  });
});
