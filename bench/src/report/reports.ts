/**
 * The report files in the results directory and the scenarios each holds. A run rewrites the
 * files whose scenarios it ran and leaves the others as they are, so scenario 8 can be
 * measured (`--only s8`) without touching the figures of scenarios 1-7.
 */
import type { ServerId } from "../core/types.js";

export interface ReportFile {
  /** `latest` → latest.md and latest.json. */
  readonly name: string;
  readonly title: string;
  readonly scenarios: readonly string[];
  /** The servers its scenarios run (for the durability table). */
  readonly servers: readonly ServerId[];
  /** What the servers' durability means here, after the table. */
  readonly about: string;
  /** Lines that point to the other reports. */
  readonly seeAlso: readonly string[];
}

export const REPORT_FILES: readonly ReportFile[] = [
  {
    name: "latest",
    title: "Rivulet benchmarks",
    scenarios: ["s1", "s2", "s3", "s4", "s5", "s6", "s7"],
    servers: ["rivulet", "refFile", "refMemory", "trivial", "minimalDurable"],
    about:
      "Rivulet runs as the real binary (`rivulet serve`, file store, default `--durability fsync`: every 2xx is sent after the write-ahead log is fdatasynced; concurrent writes share one fsync). The reference implementation is the baseline users would otherwise pick.",
    seeAlso: [
      "Scenario 8, webhook delivery through subscriptions, has its own page: [subscriptions.md](subscriptions.md).",
      "Scenarios 9 and 12, consumer groups and keyed produce to topics, are on [kafka-layer.md](kafka-layer.md).",
      "Scenarios 10 and 11, retention, the records view and point-in-time lookups, are on [extensions.md](extensions.md).",
    ],
  },
  {
    name: "subscriptions",
    title: "Rivulet benchmarks: webhook delivery through subscriptions",
    scenarios: ["s8"],
    servers: ["rivulet", "rivuletMemory", "refMemory"],
    about:
      "Rivulet runs as the real binary (`rivulet serve`), on the file store with the default `--durability fsync` (every 2xx, and every change of subscription state, is sent or acted on after the write-ahead log is fdatasynced; concurrent writes share one fsync) and on the memory store. Subscription state is durable on the file store (kept in internal streams, PROTOCOL §6-7 state survives `kill -9`); the reference keeps subscriptions in memory only.",
    seeAlso: ["Scenarios 1-7 are in [latest.md](latest.md)."],
  },
  {
    name: "kafka-layer",
    title: "Rivulet benchmarks: the Kafka-style layer",
    scenarios: ["s9", "s12"],
    servers: ["rivulet"],
    about:
      "Rivulet runs as the real binary (`rivulet serve`, file store, default `--durability fsync`: every answer, group state included, is sent after the write-ahead log is fdatasynced). The reference implementation has no topics or consumer groups, so there is no side-by-side row.",
    seeAlso: ["Scenarios 1-7 are in [latest.md](latest.md)."],
  },
  {
    name: "kafka-sdk",
    title: "Rivulet benchmarks: the @rivulet/kafka SDK",
    scenarios: ["s13"],
    servers: ["rivulet"],
    about:
      "Rivulet runs as the real binary (`rivulet serve`, file store, default `--durability fsync`: every append and every group commit is acknowledged after the write-ahead log is fdatasynced; concurrent writes share one fsync). The SDK's producer and its group consumer are each measured beside the same workload written with @rivulet/client directly, both sides in the same run on the same machine.",
    seeAlso: [
      "Scenarios 9 and 12, the server's keyed produce and consumer groups, are on [kafka-layer.md](kafka-layer.md).",
    ],
  },
  {
    name: "extensions",
    title: "Rivulet benchmarks: retention, records and point in time",
    scenarios: ["s10", "s11"],
    servers: ["rivulet"],
    about:
      "Rivulet runs as the real binary (`rivulet serve`, file store, default `--durability fsync`: every 2xx, trims included, is sent after the write-ahead log is fdatasynced; concurrent writes share one fsync). These are protocol extensions (docs/extensions.md): the reference implementation has none of them, so there is no side-by-side row.",
    seeAlso: ["Scenarios 1-7 are in [latest.md](latest.md)."],
  },
  {
    name: "cluster",
    title: "Rivulet benchmarks: several nodes on PostgreSQL",
    scenarios: ["s14"],
    servers: ["rivulet", "refFile"],
    about:
      "The multi-node mode (docs/cluster.md): `rivulet serve --store postgres://…` nodes, acknowledged after PostgreSQL commits (fsync on, synchronous_commit on), one node on its own and three behind nginx, beside Rivulet on its file store (`--durability fsync`) and the file-backed reference. The database, every node, nginx and the load generators all run on this one machine: the figures show what sharing it costs, not how a cluster of machines scales.",
    seeAlso: ["Scenarios 1-7, the single-server figures, are in [latest.md](latest.md)."],
  },
];
