/**
 * Shared helpers of the topics tests: an app on either store (the file store with small
 * segments, so compaction has whole units to work on), and shorthands for the topics API.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, MemoryStore, type ServerOptions, type Store } from "@rivulet/server";
import { expect } from "vitest";
import { BASE, startApp, type TestApp } from "../handlers/helpers.js";
import { afterEveryFile } from "../support/cleanups.js";

export const UNIT = 32 * 1024;
export const TOPICS = `${BASE}/__ds/topics`;

const dirs: string[] = [];
afterEveryFile(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-topics-"));
  dirs.push(dir);
  return dir;
}

export const STORES: Record<string, () => Promise<Store>> = {
  memory: async () => new MemoryStore({ unitBytes: UNIT }),
  file: async () => new FileStore({ dir: await tempDir(), segmentBytes: UNIT }),
};

export async function topicApp(kind: string, options: ServerOptions = {}): Promise<TestApp> {
  return startApp({ store: await STORES[kind]!(), ...options });
}

export const jsonHeaders = { "content-type": "application/json" };

export async function createTopic(t: TestApp, name: string, config: unknown = {}, expected = 201) {
  const res = await t.request(`${TOPICS}/${name}`, {
    method: "PUT",
    headers: jsonHeaders,
    body: JSON.stringify(config),
  });
  expect(res.status, `create ${name}: ${res.status}`).toBe(expected);
  return (await res.json()) as TopicDescription;
}

export async function describeTopic(t: TestApp, name: string): Promise<TopicDescription> {
  const res = await t.request(`${TOPICS}/${name}`);
  expect(res.status).toBe(200);
  return (await res.json()) as TopicDescription;
}

export interface TopicDescription {
  name: string;
  config: {
    partitions: number;
    content_type: string;
    cleanup_policy: string;
    retention_ms: number | null;
    retention_bytes: number | null;
    delete_retention_ms: number;
  };
  created_at: string;
  revision: number;
  partitions: Array<{
    partition: number;
    path: string;
    earliest_offset: string;
    next_offset: string;
    earliest_seq: number;
    next_seq: number;
    bytes: number;
    cleaned_to?: string;
  }>;
}

export interface Produced {
  partition: number;
  offset?: string;
  next_offset?: string;
  seq?: number;
  timestamp?: number;
  duplicate?: true;
  error?: { code: string; message: string };
}

export async function produce(
  t: TestApp,
  name: string,
  records: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; records: Produced[] }> {
  const res = await t.request(`${TOPICS}/${name}/records`, {
    method: "POST",
    headers: { ...jsonHeaders, ...headers },
    body: typeof records === "string" ? records : JSON.stringify(records),
  });
  const body = (await res.json()) as { records: Produced[] };
  return { status: res.status, records: body.records };
}

export interface RecordView {
  offset: string;
  next_offset: string;
  seq: number;
  ts: number;
  value: { key: string | null; value: unknown; headers: Record<string, string>; ts: number };
}

/** Every record of a stream, through the records view. */
export async function readRecords(t: TestApp, path: string): Promise<RecordView[]> {
  const out: RecordView[] = [];
  let offset = "-1";
  for (;;) {
    const res = await t.request(`${path}?offset=${offset}&view=records`);
    expect(res.status).toBe(200);
    out.push(...((await res.json()) as RecordView[]));
    offset = res.headers.get("stream-next-offset")!;
    if (res.headers.get("stream-up-to-date") === "true") return out;
  }
}
