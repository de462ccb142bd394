/**
 * What a running stream application says of itself, for `rivulet stream describe`: its
 * topology, and per instance the partitions it owns and the sizes of its stores. Each instance
 * writes its own record — keyed by its consumer-group member id — to the compacted topic
 * `<app>-describe` when its assignment changes and every few seconds, and a tombstone when it
 * closes. A reader folds the topic to the latest record per key and keeps only keys that are
 * members of the group now, so an instance killed without its tombstone drops out as soon as
 * the group expels it (its session timeout). One record per instance, written by that instance
 * alone: several instances never race on one value.
 */
import type { GroupPartition } from "../admin/group-views.js";
import type { Topology } from "./topology.js";

export interface TopologySummary {
  applicationId: string;
  sources: string[];
  operators: string[];
  sinks: string[];
  repartitionTopics: string[];
  changelogTopics: string[];
  globalTables: string[];
  stores: string[];
}

export interface InstanceDescription {
  memberId: string;
  /** Host and process id, to find the process. */
  host: string;
  pid: number;
  /** When it wrote this, ms since the epoch. */
  at: number;
  partitions: { topic: string; partition: number }[];
  stores: { store: string; partition: number; entries: number }[];
}

/** The value each instance writes to `<app>-describe`. */
export interface InstanceRecord {
  topology: TopologySummary;
  instance: InstanceDescription;
}

export interface StreamAppDescription {
  topology: TopologySummary | null;
  instances: InstanceDescription[];
  /** The group's offsets and lag for the topics it reads (sources and repartition topics). */
  lag: GroupPartition[];
  totalLag: number;
}

export const describeTopic = (applicationId: string) => `${applicationId}-describe`;

export function summarize(topology: Topology): TopologySummary {
  return {
    applicationId: topology.applicationId,
    sources: topology.topicsOf("source"),
    operators: [...topology.operators],
    sinks: topology.topicsOf("output"),
    repartitionTopics: topology.topicsOf("repartition"),
    changelogTopics: topology.topicsOf("changelog"),
    globalTables: [...topology.globalTables],
    stores: [...topology.stores.keys()],
  };
}

/** The live instances' latest records, and the lag of the topics the group reads. */
export function combine(
  records: ReadonlyMap<string, unknown>,
  liveMembers: ReadonlySet<string>,
  partitions: readonly GroupPartition[],
): StreamAppDescription {
  const live = [...records]
    .filter(([member, value]) => liveMembers.has(member) && value !== null && typeof value === "object")
    .map(([, value]) => value as InstanceRecord)
    .sort((a, b) => a.instance.memberId.localeCompare(b.instance.memberId));
  // Any record names the topology (every instance runs the same code); a live one is the newest.
  const newest = [...records.values()].filter((v): v is InstanceRecord => v !== null && typeof v === "object");
  const topology = live[0]?.topology ?? newest.at(-1)?.topology ?? null;
  const read = new Set([...(topology?.sources ?? []), ...(topology?.repartitionTopics ?? [])]);
  const lag = partitions.filter((p) => topology === null || read.has(p.topic));
  return {
    topology,
    instances: live.map((r) => r.instance),
    lag,
    totalLag: lag.reduce((sum, p) => sum + (p.lag ?? 0), 0),
  };
}
