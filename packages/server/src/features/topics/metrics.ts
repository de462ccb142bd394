/**
 * Topic metrics in /metrics: topics and partitions held, records and bytes produced through
 * the produce endpoint, compaction passes finished, units rewritten and bytes they freed.
 * (Appends straight to partition streams count in the server's own append metrics.)
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { CompactionObserver } from "./compaction/compactor.js";

export interface TopicCounts {
  topics(): number;
  partitions(): number;
}

export interface TopicObserver extends CompactionObserver {
  produced(records: number, bytes: number): void;
}

export const noTopicObserver: TopicObserver = { produced() {}, passDone() {}, rewritten() {} };

export class TopicMetrics implements TopicObserver {
  private readonly records: Counter;
  private readonly bytes: Counter;
  private readonly passes: Counter;
  private readonly units: Counter;
  private readonly reclaimed: Counter;

  constructor(registry: Registry, counts: () => TopicCounts | undefined) {
    const registers = [registry];
    new Gauge({
      name: "rivulet_topics",
      help: "Topics the server holds",
      registers,
      collect() {
        this.set(counts()?.topics() ?? 0);
      },
    });
    new Gauge({
      name: "rivulet_topic_partitions",
      help: "Partitions of every topic together",
      registers,
      collect() {
        this.set(counts()?.partitions() ?? 0);
      },
    });
    this.records = new Counter({
      name: "rivulet_produced_records_total",
      help: "Records written through the produce endpoint",
      registers,
    });
    this.bytes = new Counter({
      name: "rivulet_produced_bytes_total",
      help: "Record envelope bytes written through the produce endpoint",
      registers,
    });
    this.passes = new Counter({
      name: "rivulet_compaction_runs_total",
      help: "Compaction passes finished over partitions of compacted topics and the change feed",
      registers,
    });
    this.units = new Counter({
      name: "rivulet_compaction_units_total",
      help: "Storage units (segments) compaction rewrote",
      registers,
    });
    this.reclaimed = new Counter({
      name: "rivulet_compaction_reclaimed_bytes_total",
      help: "Bytes compaction freed",
      registers,
    });
  }

  produced(records: number, bytes: number): void {
    this.records.inc(records);
    this.bytes.inc(bytes);
  }

  passDone(): void {
    this.passes.inc();
  }

  rewritten(units: number, bytes: number): void {
    this.units.inc(units);
    this.reclaimed.inc(bytes);
  }
}
