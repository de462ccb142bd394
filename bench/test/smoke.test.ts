/**
 * Runs `npm run bench -- --smoke` (every scenario at its smallest size) into a temporary
 * directory and checks that each one measured figures that agree with each other, so the
 * benchmarks keep working. How fast anything was is not judged here: that is what
 * `npm run bench` reports. Needs packages/cli built (npm test type-checks, which builds it).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findNginx } from "../../packages/cli/src/cluster/nginx-process.js";
import { ensureNginx } from "../../packages/server/test/support/debian-package.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const COMMITTED = join(ROOT, "bench/results/latest.json");

interface Spread {
  median: number;
}
interface Scenario {
  id: string;
  tables: Array<{ rows: string[][] }>;
  notes: string[];
  data: Record<string, unknown>;
}

let outDir: string;
let child: ChildProcess | undefined;
let exitCode: number | null;
let output = "";
let committedMtime: number | undefined;
let scenarios: Scenario[] = [];
/** Scenario 8's report (subscriptions.json). */
let subscriptionScenarios: Scenario[] = [];
let kafkaScenarios: Scenario[] = [];
/** Scenarios 10 and 11's report (extensions.json). */
let extensionScenarios: Scenario[] = [];
/** Scenario 13's report (kafka-sdk.json). */
let sdkScenarios: Scenario[] = [];
/** Scenario 14's report (cluster.json). */
let clusterScenarios: Scenario[] = [];

function runSmokeBench(out: string): Promise<number | null> {
  return new Promise((resolve) => {
    child = spawn(process.execPath, ["--import", "tsx", "bench/src/main.ts", "--smoke", "--no-build", "--out", out], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code) => resolve(code));
  });
}

beforeAll(async () => {
  // Scenario 14 puts three nodes behind nginx, from Debian, installed on a fresh machine.
  await ensureNginx(findNginx);
  committedMtime = existsSync(COMMITTED) ? statSync(COMMITTED).mtimeMs : undefined;
  outDir = await mkdtemp(join(tmpdir(), "rivulet-bench-smoke-"));
  exitCode = await runSmokeBench(outDir);
  // A run that failed early wrote no JSON: the first test then shows its output.
  const report = async (name: string) => {
    const json = await readFile(join(outDir, `${name}.json`), "utf8").catch(() => '{"scenarios":[]}');
    return (JSON.parse(json) as { scenarios: Scenario[] }).scenarios;
  };
  scenarios = await report("latest");
  subscriptionScenarios = await report("subscriptions");
  kafkaScenarios = await report("kafka-layer");
  extensionScenarios = await report("extensions");
  sdkScenarios = await report("kafka-sdk");
  clusterScenarios = await report("cluster");
}, 420_000);

afterAll(async () => {
  // Only when the hook timed out: the run (and the servers it started) must not outlive the suite.
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
  await rm(outDir, { recursive: true, force: true });
});

function data<T>(id: string): T {
  const scenario = [
    ...scenarios,
    ...subscriptionScenarios,
    ...kafkaScenarios,
    ...extensionScenarios,
    ...sdkScenarios,
    ...clusterScenarios,
  ].find((s) => s.id === id);
  expect(scenario, `scenario ${id}`).toBeDefined();
  return scenario!.data as T;
}

const positive = (value: number) => Number.isFinite(value) && value > 0;

describe("npm run bench -- --smoke", () => {
  it("finishes without a failed scenario", () => {
    expect(exitCode, output.slice(-4000)).toBe(0);
  });

  it("writes the reports, their JSON and the chart to the chosen directory only", async () => {
    for (const file of [
      "latest.md",
      "latest.json",
      "subscriptions.md",
      "subscriptions.json",
      "kafka-layer.md",
      "kafka-layer.json",
      "extensions.md",
      "extensions.json",
      "kafka-sdk.md",
      "kafka-sdk.json",
      "cluster.md",
      "cluster.json",
      "fan-out-latency.svg",
    ])
      expect(existsSync(join(outDir, file))).toBe(true);
    const svg = await readFile(join(outDir, "fan-out-latency.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("<polyline");
    const markdown = await readFile(join(outDir, "latest.md"), "utf8");
    expect(markdown).toContain("## Machine");
    expect(markdown).toContain("shares the machine");
    expect(markdown).toContain("--smoke");
    expect(markdown).toContain("[subscriptions.md](subscriptions.md)");
    const subscriptions = await readFile(join(outDir, "subscriptions.md"), "utf8");
    expect(subscriptions).toContain("## 8. Webhook delivery through subscriptions");
    expect(subscriptions).toContain("[latest.md](latest.md)");
    const mtimeAfter = existsSync(COMMITTED) ? statSync(COMMITTED).mtimeMs : undefined;
    expect(mtimeAfter).toBe(committedMtime);
  });

  it("has every scenario, each in its report with tables of figures", () => {
    expect(scenarios.map((s) => s.id)).toEqual(["s1", "s2", "s3", "s4", "s5", "s6", "s7"]);
    expect(subscriptionScenarios.map((s) => s.id)).toEqual(["s8"]);
    expect(kafkaScenarios.map((s) => s.id)).toEqual(["s9", "s12"]);
    expect(extensionScenarios.map((s) => s.id)).toEqual(["s10", "s11"]);
    expect(sdkScenarios.map((s) => s.id)).toEqual(["s13"]);
    expect(clusterScenarios.map((s) => s.id)).toEqual(["s14"]);
    for (const scenario of [
      ...scenarios,
      ...subscriptionScenarios,
      ...kafkaScenarios,
      ...extensionScenarios,
      ...sdkScenarios,
      ...clusterScenarios,
    ]) {
      expect(scenario.data.failed, `${scenario.id}: ${scenario.notes.join(" ")}`).toBeUndefined();
      expect(scenario.tables.length).toBeGreaterThan(0);
      for (const table of scenario.tables) expect(table.rows.length).toBeGreaterThan(0);
    }
  });

  it("1. appends: a peak and an answered open-model run for each server, without errors", () => {
    const { cells } = data<{
      cells: Array<{
        server: string;
        peak: Spread;
        errors: number;
        open: Array<{ rate: number; achieved: Spread; p50: Spread; p99: Spread }>;
      }>;
    }>("s1");
    expect(cells.map((cell) => cell.server)).toEqual(["rivulet", "trivial"]);
    for (const cell of cells) {
      expect(positive(cell.peak.median), JSON.stringify(cell)).toBe(true);
      expect(cell.errors).toBe(0);
      expect(cell.open.length).toBeGreaterThan(0);
      for (const open of cell.open) {
        expect(positive(open.achieved.median)).toBe(true);
        expect(open.p50.median).toBeLessThanOrEqual(open.p99.median);
      }
    }
  });

  it("2. producer: every producer ran, and the stream's tail is exactly what was acknowledged", () => {
    const { rows } = data<{
      rows: Array<{ client: string; json: boolean; available: boolean; messagesPerSecond: Spread; tailCheck: string }>;
    }>("s2");
    expect(rows.map((row) => `${row.client}/${row.json ? "json" : "bytes"}`)).toEqual([
      "rivulet/json",
      "rivulet/bytes",
      "reference/json",
      "raw/json",
      "raw/bytes",
    ]);
    for (const row of rows) {
      expect(row.available, JSON.stringify(row)).toBe(true);
      expect(positive(row.messagesPerSecond.median)).toBe(true);
      expect(row.tailCheck).toBe("ok");
    }
  });

  it("3. catch-up: both streams read completely, over more than one response", () => {
    const { rows } = data<{
      rows: Array<{
        json: boolean;
        streamBytes: number;
        requests: number;
        megabytesPerSecond: Spread;
        complete: boolean;
      }>;
    }>("s3");
    expect(rows.map((row) => row.json)).toEqual([false, true]);
    for (const row of rows) {
      expect(row.complete).toBe(true);
      expect(row.streamBytes).toBeGreaterThanOrEqual(1.5e6);
      expect(row.requests).toBeGreaterThan(1);
      expect(positive(row.megabytesPerSecond.median)).toBe(true);
    }
  });

  it("4. fan-out: every subscriber attached and got every message; the ramp's result matches its steps", () => {
    const { cells, ramps } = data<{
      cells: Array<{
        mode: string;
        subscribers: number;
        attached: number;
        delivered: number;
        expected: number;
        p50: Spread;
        p99: Spread;
      }>;
      ramps: Array<{ highestHeld: Spread; steps: Array<{ rate: number; held: boolean }> }>;
    }>("s4");
    expect(cells.map((cell) => cell.mode)).toEqual(["sse", "long-poll"]);
    for (const cell of cells) {
      expect(cell.attached).toBe(cell.subscribers);
      expect(cell.expected).toBeGreaterThan(0);
      expect(cell.delivered).toBe(cell.expected);
      expect(positive(cell.p50.median)).toBe(true);
      expect(cell.p50.median).toBeLessThanOrEqual(cell.p99.median);
    }
    expect(ramps).toHaveLength(1);
    const [ramp] = ramps;
    expect(ramp!.steps.length).toBeGreaterThan(0);
    const held = ramp!.steps.filter((step) => step.held).map((step) => step.rate);
    expect(ramp!.highestHeld.median).toBe(Math.max(0, ...held));
  });

  it("5. many streams: every create succeeded", () => {
    const { rows } = data<{ rows: Array<{ server: string; streams: number; rate: Spread; errors: number }> }>("s5");
    expect(rows.map((row) => row.server)).toEqual(["rivulet"]);
    for (const row of rows) {
      expect(row.errors).toBe(0);
      expect(row.streams).toBe(100);
      expect(positive(row.rate.median)).toBe(true);
    }
  });

  it("6. RSS per subscriber comes from scenario 4's connections", () => {
    const { cells } = data<{ cells: Array<{ subscribers: number; rssPerSubscriberBytes: number }> }>("s6");
    expect(cells.length).toBeGreaterThan(0);
    for (const cell of cells) expect(Number.isFinite(cell.rssPerSubscriberBytes)).toBe(true);
  });

  it("7. restart: both servers came back after a crash and a clean stop with every stream", () => {
    const { rows } = data<{
      rows: Array<{
        server: string;
        streams: number;
        afterCrash: Spread;
        afterCleanStop: Spread;
        uncleanStops: string[];
        presence: { sampled: number; missing: number };
      }>;
    }>("s7");
    expect(rows.map((row) => row.server)).toEqual(["rivulet", "refFile"]);
    for (const row of rows) {
      expect(positive(row.afterCrash.median)).toBe(true);
      expect(positive(row.afterCleanStop.median)).toBe(true);
      expect(row.uncleanStops).toEqual([]);
      expect(row.presence).toEqual({ sampled: row.streams, missing: 0 });
    }
  });

  it("8. subscriptions: on both servers every acknowledged append reached the receiver, at a fixed rate and at peak", () => {
    const { cells, setups } = data<{
      cells: Array<{
        server: string;
        load: string;
        acked: number;
        unanswered: number;
        delivered: number;
        appendErrors: number;
        receiverFailures: number;
        wakesPerSecond: Spread;
        appendsPerWake: Spread;
        p50: Spread;
        p99: Spread;
      }>;
      setups: Array<{ server: string; leftOver: number }>;
    }>("s8");
    expect(cells.map((cell) => `${cell.server} ${cell.load}`)).toEqual([
      "rivulet 50/s",
      "rivulet peak (4 connections)",
      "refMemory 50/s",
      "refMemory peak (4 connections)",
    ]);
    for (const cell of cells) {
      expect(cell.acked, JSON.stringify(cell)).toBeGreaterThan(0);
      expect(cell.delivered).toBe(cell.acked);
      expect(cell.unanswered + cell.appendErrors + cell.receiverFailures).toBe(0);
      expect(positive(cell.wakesPerSecond.median)).toBe(true);
      // A wake covers at least one append; coalescing only makes it more.
      expect(cell.appendsPerWake.median).toBeGreaterThanOrEqual(1);
      expect(cell.p50.median).toBeLessThanOrEqual(cell.p99.median);
    }
    expect(setups.map((setup) => [setup.server, setup.leftOver])).toEqual([
      ["rivulet", 0],
      ["refMemory", 0],
    ]);
  });

  it("9. groups: rebalances settled, commits were answered, nothing was refused", () => {
    const d = data<{
      join: Spread;
      oneJoins: Spread;
      oneLeaves: Spread;
      commitsPerSecond: Spread;
      offsetsPerSecond: Spread;
      commitP50: Spread;
      commitP99: Spread;
      errors: number;
    }>("s9");
    for (const figure of [d.join, d.oneJoins, d.oneLeaves, d.commitsPerSecond, d.offsetsPerSecond]) {
      expect(positive(figure.median), JSON.stringify(d)).toBe(true);
    }
    expect(d.offsetsPerSecond.median).toBeGreaterThanOrEqual(d.commitsPerSecond.median);
    expect(d.commitP50.median).toBeLessThanOrEqual(d.commitP99.median);
    expect(d.errors).toBe(0);
  });

  it("10. point in time and records: every lookup answered right, both views read the whole stream", () => {
    const { lookups, heads, plain, records } = data<{
      lookups: { count: number; errors: number; distinctOffsets: number; p50: Spread; p99: Spread };
      heads: { count: number; p50: Spread };
      plain: { complete: boolean; requests: number; streamMegabytesPerSecond: Spread };
      records: { complete: boolean; requests: number; streamMegabytesPerSecond: Spread };
    }>("s10");
    expect(lookups.count).toBe(100);
    expect(heads.count).toBe(100);
    expect(positive(heads.p50.median)).toBe(true);
    expect(lookups.errors).toBe(0);
    expect(lookups.distinctOffsets).toBeGreaterThan(1);
    expect(lookups.p50.median).toBeLessThanOrEqual(lookups.p99.median);
    for (const read of [plain, records]) {
      expect(read.complete).toBe(true);
      expect(read.requests).toBeGreaterThan(1);
      expect(positive(read.streamMegabytesPerSecond.median)).toBe(true);
    }
  });

  it("11. appends while reclaiming: retention freed the stream's head, and every append was answered", () => {
    const { freed, errors, complete, quiet, reclaiming } = data<{
      freed: Spread;
      errors: number;
      complete: boolean;
      quiet: { p99: Spread };
      reclaiming: { p99: Spread };
    }>("s11");
    expect(complete).toBe(true);
    // 4 MiB of 1 MiB units go; 1 MiB and the unit holding the tail stay.
    expect(freed.median).toBe(4 << 20);
    expect(errors).toBe(0);
    expect(positive(quiet.p99.median) && positive(reclaiming.p99.median)).toBe(true);
  });

  it("12. keyed produce: every configuration acknowledged records, all of them stored, over every partition", () => {
    const { partitions, rows } = data<{
      partitions: number;
      rows: Array<{ label: string; recordsPerSecond: Spread; p99: Spread; partitionsHit: number; ackCheck: string }>;
    }>("s12");
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(positive(row.recordsPerSecond.median), row.label).toBe(true);
      expect(positive(row.p99.median), row.label).toBe(true);
      expect(row.ackCheck, row.label).toBe("ok");
    }
    // Batches of random keys reach every partition.
    for (const row of rows.slice(1)) expect(row.partitionsHit, row.label).toBe(partitions);
  });

  it("13. the SDK's producer and the direct client both acknowledged records, all of them stored", () => {
    const { rows, ratio } = data<{
      rows: Array<{ mode: string; recordsPerSecond: Spread; p99: Spread; ackCheck: string }>;
      ratio: number;
    }>("s13");
    expect(rows.map((row) => row.mode)).toEqual(["sdk", "client"]);
    for (const row of rows) {
      expect(positive(row.recordsPerSecond.median), row.mode).toBe(true);
      expect(positive(row.p99.median), row.mode).toBe(true);
      expect(row.ackCheck, row.mode).toBe("ok");
    }
    expect(positive(ratio)).toBe(true);
  });

  it("13. the SDK's producer in S2's windows acknowledged records, all of them stored, beside S2 in the same run", () => {
    const { windows } = data<{
      windows: { sdk: Spread; s2: Spread; ackCheck: string; envelopeBytes: number; ratio: number };
    }>("s13");
    expect(positive(windows.sdk.median)).toBe(true);
    expect(positive(windows.s2.median)).toBe(true);
    expect(windows.ackCheck).toBe("ok");
    // S2's 100 B message as the value, in a keyed envelope.
    expect(windows.envelopeBytes).toBeGreaterThan(100);
    expect(positive(windows.ratio)).toBe(true);
  });

  it("13. three consumers in one group, through the SDK and through the client, consumed and committed every record", () => {
    const { consume } = data<{
      consume: {
        records: number;
        members: number;
        rows: Array<{
          mode: string;
          recordsPerSecond: Spread;
          perMember: number[];
          commits: Spread;
          countCheck: string;
        }>;
        ratio: number;
      };
    }>("s13");
    expect(consume.rows.map((row) => row.mode)).toEqual(["sdk", "client"]);
    for (const row of consume.rows) {
      expect(positive(row.recordsPerSecond.median), row.mode).toBe(true);
      expect(row.countCheck, row.mode).toBe("ok");
      expect(row.perMember, row.mode).toHaveLength(consume.members);
      // Every record was consumed by some member (duplicates only add to this).
      expect(
        row.perMember.reduce((a, b) => a + b, 0),
        row.mode,
      ).toBeGreaterThanOrEqual(consume.records);
      expect(positive(row.commits.median), row.mode).toBe(true);
    }
    // The client's members read fixed partitions: each consumed some.
    for (const n of consume.rows[1]!.perMember) expect(n).toBeGreaterThan(0);
    expect(positive(consume.ratio)).toBe(true);
  });

  it("14. cluster: three nodes behind nginx answered every append and delivered every message; nodes woke each other", () => {
    const { rows, wake } = data<{
      rows: Array<{
        setup: string;
        peak: Spread;
        p50: Spread;
        p99: Spread;
        errors: number;
        fanOut: Array<{ mode: string; delivered: number; expected: number; p50: number; p99: number }>;
      }>;
      wake: { rounds: number; streams: number; fromAck: { count: number; p50: number; p99: number } };
    }>("s14");
    expect(rows.map((row) => row.setup)).toEqual(["Rivulet, 3 nodes on PostgreSQL behind nginx"]);
    for (const row of rows) {
      expect(row.errors).toBe(0);
      expect(positive(row.peak.median)).toBe(true);
      expect(row.p50.median).toBeLessThanOrEqual(row.p99.median);
      expect(row.fanOut.map((cell) => cell.mode)).toEqual(["sse", "long-poll"]);
      for (const cell of row.fanOut) {
        expect(cell.expected).toBeGreaterThan(0);
        expect(cell.delivered).toBe(cell.expected);
        expect(cell.p50).toBeLessThanOrEqual(cell.p99);
      }
    }
    expect(wake.fromAck.count).toBe(wake.streams * wake.rounds);
    expect(wake.fromAck.p50).toBeLessThanOrEqual(wake.fromAck.p99);
  });
});
