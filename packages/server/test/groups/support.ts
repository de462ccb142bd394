/**
 * For the group HTTP tests: an app whose topics come from an in-memory directory (offered the
 * way a topics feature offers its own), and shorthands for the group API.
 */
import { type Feature, PARTITION_STATS, type ServerOptions, TOPIC_DIRECTORY } from "@rivulet/server";
import { BASE, startApp, type TestApp } from "../handlers/helpers.js";
import { MemoryTopics } from "./memory-topics.js";

export function topicsFeature(topics: MemoryTopics): Feature {
  return {
    name: "memory-topics",
    setup(host) {
      host.provide(TOPIC_DIRECTORY, topics);
      host.provide(PARTITION_STATS, topics);
    },
  };
}

export interface GroupApp extends TestApp {
  readonly topics: MemoryTopics;
}

export async function groupApp(
  topics: Record<string, number> = { orders: 4 },
  options: ServerOptions = {},
  memory = new MemoryTopics(topics),
): Promise<GroupApp> {
  const t = await startApp({ ...options, features: [topicsFeature(memory), ...(options.features ?? [])] });
  return { ...t, topics: memory };
}

export const groupUrl = (group: string, rest = "") => `${BASE}/__ds/groups/${group}${rest}`;

export function post(t: TestApp, path: string, body: unknown, headers: Record<string, string> = {}) {
  return t.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export interface Beat {
  member_id: string;
  member_epoch: number;
  group_epoch: number;
  heartbeat_interval_ms: number;
  session_timeout_ms: number;
  assignment: Record<string, Array<{ partition: number; path: string; committed: Committed | null }>>;
  pending: Record<string, number[]>;
}

export interface Committed {
  offset: string;
  seq: number | null;
  metadata: string | null;
  committed_at: string;
}

export async function beat(t: TestApp, group: string, body: unknown, query = ""): Promise<Beat> {
  const res = await post(t, groupUrl(group, `/heartbeat${query}`), body);
  if (res.status !== 200) throw new Error(`heartbeat: ${res.status} ${await res.text()}`);
  return (await res.json()) as Beat;
}

/** What a heartbeat reply assigns, as `{"orders": [0, 1]}`. */
export function owned(reply: Beat): Record<string, number[]> {
  return Object.fromEntries(
    Object.entries(reply.assignment).map(([topic, list]) => [topic, list.map((p) => p.partition)]),
  );
}

export function join(t: TestApp, group: string, extra: Record<string, unknown> = {}): Promise<Beat> {
  return beat(t, group, { member_epoch: 0, topics: ["orders"], ...extra });
}

/** The next heartbeat of a member, reporting what it was last given. */
export function poll(t: TestApp, group: string, reply: Beat, query = ""): Promise<Beat> {
  return beat(t, group, { member_id: reply.member_id, member_epoch: reply.member_epoch, owned: owned(reply) }, query);
}

export const offset = (position: number) => `0000000000000000_${position.toString().padStart(16, "0")}`;
