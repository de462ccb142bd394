/**
 * Runs `npm run bench -- --quick` into a temporary directory and checks that every scenario
 * produced figures, so the benchmarks keep working. The figures themselves are not judged.
 */
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const COMMITTED = join(ROOT, "bench/results/latest.json");

interface Scenario {
  id: string;
  tables: Array<{ rows: string[][] }>;
  verdicts: Array<{ pass: boolean | null }>;
  notes: string[];
  data: Record<string, unknown>;
}

let outDir: string;
let exitCode: number | null;
let output = "";
let committedMtime: number | undefined;

function runQuickBench(out: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/src/main.ts", "--quick", "--out", out], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGINT"), 280_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

beforeAll(async () => {
  committedMtime = existsSync(COMMITTED) ? statSync(COMMITTED).mtimeMs : undefined;
  outDir = await mkdtemp(join(tmpdir(), "rivulet-bench-quick-"));
  exitCode = await runQuickBench(outDir);
}, 300_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe("npm run bench -- --quick", () => {
  it("finishes without a failed scenario", () => {
    expect(exitCode, output.slice(-4000)).toBe(0);
  });

  it("writes the report, the JSON and the chart to the chosen directory only", async () => {
    for (const file of ["latest.md", "latest.json", "fan-out-latency.svg"])
      expect(existsSync(join(outDir, file))).toBe(true);
    const svg = await readFile(join(outDir, "fan-out-latency.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("<polyline");
    const markdown = await readFile(join(outDir, "latest.md"), "utf8");
    expect(markdown).toContain("## Machine");
    expect(markdown).toContain("shares the machine");
    const mtimeAfter = existsSync(COMMITTED) ? statSync(COMMITTED).mtimeMs : undefined;
    expect(mtimeAfter).toBe(committedMtime);
  });

  it("has every scenario, each with tables of figures", async () => {
    const json = JSON.parse(await readFile(join(outDir, "latest.json"), "utf8")) as { scenarios: Scenario[] };
    expect(json.scenarios.map((s) => s.id)).toEqual(["s1", "s2", "s3", "s4", "s5", "s6", "s7"]);
    for (const scenario of json.scenarios) {
      expect(scenario.data.failed, `${scenario.id}: ${scenario.notes.join(" ")}`).toBeUndefined();
      expect(scenario.tables.length).toBeGreaterThan(0);
      for (const table of scenario.tables) expect(table.rows.length).toBeGreaterThan(0);
    }
  });

  it("measured numbers, not placeholders", async () => {
    const json = JSON.parse(await readFile(join(outDir, "latest.json"), "utf8")) as { scenarios: Scenario[] };
    const data = (id: string) =>
      json.scenarios.find((s) => s.id === id)!.data as Record<string, Array<Record<string, unknown>>>;
    const positive = (value: unknown) => typeof value === "number" && Number.isFinite(value) && value > 0;
    const median = (figure: unknown) => (figure as { median: number }).median;

    for (const cell of data("s1").cells!) expect(positive(median(cell.peak)), JSON.stringify(cell)).toBe(true);
    const producers = data("s2").rows!;
    expect(producers.some((row) => row.available && positive(median(row.messagesPerSecond)))).toBe(true);
    for (const row of data("s3").rows!) expect(positive(median(row.megabytesPerSecond))).toBe(true);
    for (const cell of data("s4").cells!) {
      expect(positive(median(cell.p50)), JSON.stringify(cell)).toBe(true);
      expect(positive(cell.delivered)).toBe(true);
    }
    for (const row of data("s5").rows!) expect(positive(median(row.rate))).toBe(true);
    for (const cell of data("s6").cells!) expect(Number.isFinite(cell.rssPerSubscriberBytes)).toBe(true);
    for (const row of data("s7").rows!) {
      expect(positive(median(row.afterCrash))).toBe(true);
      expect(positive(median(row.afterCleanStop))).toBe(true);
    }
  });
});
