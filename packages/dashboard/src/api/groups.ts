/** Consumer groups through the public API (docs/kafka-layer.md, "Consumer groups"). */
import { getJson, sendJson } from "./http.js";

export interface Lag {
  /** Null when unknown: nothing committed yet (where a consumer starts is its own choice), or a store without message counts. */
  readonly messages: number | null;
  readonly bytes: number | null;
}

export interface GroupSummary {
  readonly group: string;
  readonly state: "empty" | "reconciling" | "stable";
  readonly member_count: number;
  readonly group_epoch: number;
  readonly assignor: string;
}

export interface MemberView {
  readonly member_id: string;
  readonly instance_id: string | null;
  readonly member_epoch: number;
  readonly state: string;
  readonly topics: readonly string[];
  readonly assignment: Readonly<Record<string, readonly number[]>>;
  readonly revoking: Readonly<Record<string, readonly number[]>>;
  readonly target: Readonly<Record<string, readonly number[]>>;
}

export interface GroupView extends GroupSummary {
  readonly created_at: string;
  readonly topics: Readonly<Record<string, number>>;
  readonly members: readonly MemberView[];
  readonly lag: Lag;
}

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly committed: { readonly offset: string; readonly seq: number; readonly committed_at: string } | null;
  readonly next_offset: string;
  readonly next_seq: number;
  readonly lag: Lag;
}

export interface GroupOffsets {
  readonly group: string;
  readonly offsets: readonly PartitionOffset[];
  readonly lag: Lag;
}

export interface GroupPage {
  readonly groups: readonly GroupSummary[];
  readonly next: string | null;
}

export type ResetTarget = "earliest" | "latest" | { readonly at: string };

const groupPath = (basePath: string, group: string) => `${basePath}/__ds/groups/${encodeURIComponent(group)}`;

export function listGroups(basePath: string, after?: string): Promise<GroupPage> {
  return getJson<GroupPage>(`${basePath}/__ds/groups`, { after, limit: 100 });
}

export function describeGroup(basePath: string, group: string): Promise<GroupView> {
  return getJson<GroupView>(groupPath(basePath, group));
}

export function groupOffsets(basePath: string, group: string): Promise<GroupOffsets> {
  return getJson<GroupOffsets>(`${groupPath(basePath, group)}/offsets`);
}

/** Refused with 409 GROUP_NOT_EMPTY while the group has members (the server decides, not the page). */
export async function resetOffsets(basePath: string, group: string, topics: string[], to: ResetTarget): Promise<void> {
  await sendJson(`POST`, `${groupPath(basePath, group)}/offsets/reset`, { topics, to });
}
