/**
 * Consumer group metrics in /metrics: groups by state, members by state, rebalances (new group
 * epochs), offset commits and resets, and lag. Lag has a labelled series only for the
 * `lagSeries` groups with the largest lag — label cardinality stays bounded however many
 * groups there are — and the totals over every group are gauges of their own.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import { groupState, memberState } from "./coordinator/model.js";
import type { GroupRecord } from "./coordinator/records.js";
import { lagOf, partitionsOf } from "./runtime/lag.js";
import type { GroupObserver, GroupService } from "./runtime/service.js";

/** How long one lag computation serves the gauges (one scrape reads all three). */
const LAG_REUSE_MS = 1000;

export const noGroupObserver: GroupObserver = { recorded() {} };

export class GroupMetrics implements GroupObserver {
  private readonly rebalances: Counter;
  private readonly commits: Counter<"kind">;

  constructor(registry: Registry, service: () => GroupService | undefined, lagSeries: number) {
    const registers = [registry];
    this.rebalances = new Counter({
      name: "rivulet_group_rebalances_total",
      help: "New group epochs: target assignments recomputed after a change of members, subscriptions or topics",
      registers,
    });
    this.commits = new Counter({
      name: "rivulet_group_offset_commits_total",
      help: "Durable offset writes, by kind (commit, reset)",
      labelNames: ["kind"],
      registers,
    });
    const groups = () => {
      const running = service();
      try {
        return running ? [...running.coordinator.groups.values()] : [];
      } catch {
        return [];
      }
    };
    new Gauge({
      name: "rivulet_groups",
      help: "Consumer groups by state (empty, reconciling, stable)",
      labelNames: ["state"],
      registers,
      collect() {
        this.reset();
        for (const state of ["empty", "reconciling", "stable"]) this.set({ state }, 0);
        for (const group of groups()) this.inc({ state: groupState(group) });
      },
    });
    new Gauge({
      name: "rivulet_group_members",
      help: "Members of consumer groups by state (stable, revoking, awaiting, left, fenced)",
      labelNames: ["state"],
      registers,
      collect() {
        this.reset();
        for (const group of groups())
          for (const member of group.members.values()) this.inc({ state: memberState(group, member) });
      },
    });
    // One scrape collects three lag gauges: they share one computation.
    let cached:
      | { at: number; lags: Promise<Array<{ group: string; messages: number | null; bytes: number }>> }
      | undefined;
    const lags = () => {
      const now = Date.now();
      if (!cached || now - cached.at > LAG_REUSE_MS) cached = { at: now, lags: computeLags() };
      return cached.lags;
    };
    const computeLags = async () => {
      const running = service();
      const found: Array<{ group: string; messages: number | null; bytes: number }> = [];
      for (const group of groups()) {
        const lag = await lagOf(group, partitionsOf(group, running!.sources.directory), running!.sources.stats);
        found.push({ group: group.id, messages: lag.messages, bytes: lag.bytes });
      }
      return found;
    };
    new Gauge({
      name: "rivulet_groups_lag_bytes",
      help: "Bytes past the committed offsets, over every group",
      registers,
      async collect() {
        this.set((await lags()).reduce((sum, lag) => sum + lag.bytes, 0));
      },
    });
    new Gauge({
      name: "rivulet_groups_lag_messages",
      help: "Messages past the committed offsets, over every group (where the store counts messages)",
      registers,
      async collect() {
        this.set((await lags()).reduce((sum, lag) => sum + (lag.messages ?? 0), 0));
      },
    });
    new Gauge({
      name: "rivulet_group_lag_bytes",
      help: "Bytes past the committed offsets of the groups with the largest lag (at most lagSeries of them)",
      labelNames: ["group"],
      registers,
      async collect() {
        this.reset();
        if (lagSeries === 0) return;
        const top = (await lags()).filter((lag) => lag.bytes > 0).sort((a, b) => b.bytes - a.bytes);
        for (const lag of top.slice(0, lagSeries)) this.set({ group: lag.group }, lag.bytes);
      },
    });
  }

  recorded(records: readonly GroupRecord[]): void {
    for (const record of records) {
      if (record.t === "target") this.rebalances.inc();
      else if (record.t === "commit" || record.t === "reset") this.commits.inc({ kind: record.t });
    }
  }
}
