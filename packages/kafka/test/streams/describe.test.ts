/**
 * Folding `<app>-describe` (streams/describe.ts): only instances that are members of the group
 * now are shown — a killed instance's record, never tombstoned, drops out with its membership —
 * and lag covers the topics the application reads, not its outputs.
 */
import { describe, expect, it } from "vitest";
import type { GroupPartition } from "../../src/admin/group-views.js";
import { combine, type InstanceRecord, type TopologySummary } from "../../src/streams/describe.js";

const topology: TopologySummary = {
  applicationId: "app",
  sources: ["orders"],
  operators: ["groupBy(g)", "aggregate(s)", "to(out)"],
  sinks: ["out"],
  repartitionTopics: ["app-g-repartition"],
  changelogTopics: ["app-s-changelog"],
  globalTables: [],
  stores: ["s"],
};

const instance = (memberId: string, partition: number): InstanceRecord => ({
  topology,
  instance: {
    memberId,
    host: "h",
    pid: 1,
    at: 0,
    partitions: [{ topic: "orders", partition }],
    stores: [{ store: "s", partition, entries: 3 }],
  },
});

const offsets = (topic: string, partition: number, lag: number | null): GroupPartition => ({
  topic,
  partition,
  committedOffset: lag === null ? null : "x",
  committedSeq: lag === null ? null : 1,
  lag,
  nextOffset: null,
});

describe("combine", () => {
  it("keeps live members only, in member order, and sums the lag of the topics read", () => {
    const records = new Map<string, unknown>([
      ["m-b", instance("m-b", 1)],
      ["m-dead", instance("m-dead", 0)],
      ["m-a", instance("m-a", 0)],
    ]);
    const described = combine(records, new Set(["m-a", "m-b", "m-without-record"]), [
      offsets("orders", 0, 2),
      offsets("app-g-repartition", 0, null),
      offsets("out-of-another-consumer", 0, 7),
    ]);
    expect(described.topology).toEqual(topology);
    expect(described.instances.map((i) => i.memberId)).toEqual(["m-a", "m-b"]);
    expect(described.lag.map((p) => p.topic)).toEqual(["orders", "app-g-repartition"]);
    expect(described.totalLag).toBe(2);
  });

  it("with no live instance still names the topology from the last record, and with none at all, none", () => {
    expect(combine(new Map([["gone", instance("gone", 0)]]), new Set(), []).topology).toEqual(topology);
    expect(combine(new Map(), new Set(), [offsets("orders", 0, 4)])).toEqual({
      topology: null,
      instances: [],
      lag: [offsets("orders", 0, 4)],
      totalLag: 4,
    });
  });
});
