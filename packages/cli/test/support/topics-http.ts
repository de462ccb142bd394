/**
 * Arranging and inspecting topics and groups with plain HTTP (docs/kafka-layer.md), so each
 * test spawns the binary only for the command it is about.
 */

async function call<T>(serverUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${serverUrl}/v1/stream/__ds/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

export function createTopic(serverUrl: string, name: string, partitions: number): Promise<unknown> {
  return call(serverUrl, "PUT", `topics/${name}`, { partitions });
}

export interface Produced {
  partition: number;
  offset: string;
  next_offset: string;
  seq: number;
}

export async function produceRecords(
  serverUrl: string,
  topic: string,
  records: { key?: string | null; value: unknown; partition?: number; headers?: Record<string, string> }[],
): Promise<Produced[]> {
  return (await call<{ records: Produced[] }>(serverUrl, "POST", `topics/${topic}/records`, records)).records;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  committed: { offset: string; seq: number | null } | null;
  lag: { messages: number | null };
}

export async function groupOffsets(serverUrl: string, group: string): Promise<CommittedOffset[]> {
  return (await call<{ offsets: CommittedOffset[] }>(serverUrl, "GET", `groups/${group}/offsets`)).offsets;
}

export async function groupMembers(serverUrl: string, group: string): Promise<number> {
  return (await call<{ member_count: number }>(serverUrl, "GET", `groups/${group}`)).member_count;
}

/** Every record of a partition: `{ seq, value }` of each envelope. */
export async function partitionRecords(
  serverUrl: string,
  topic: string,
  partition: number,
): Promise<{ seq: number; value: { key: string | null; value: unknown; headers: Record<string, string> } }[]> {
  const response = await fetch(`${serverUrl}/v1/stream/topics/${topic}/${partition}?offset=-1&view=records`);
  if (!response.ok) throw new Error(`read ${topic}/${partition}: ${response.status}`);
  return (await response.json()) as never;
}
