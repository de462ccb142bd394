/**
 * Writes each report whose scenarios ran (reports.ts: latest.md and .json, subscriptions.md
 * and .json) and the fan-out chart into the results directory.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ScenarioResult } from "../core/types.js";
import type { FanOutData } from "../scenarios/fan-out-types.js";
import { fanOutChart } from "./fan-out-chart.js";
import type { Machine } from "./machine.js";
import { type RunInfo, renderMarkdown } from "./markdown.js";
import { REPORT_FILES } from "./reports.js";

export const CHART_FILE = "fan-out-latency.svg";

export async function writeResults(
  dir: string,
  machine: Machine,
  run: Omit<RunInfo, "chartFile">,
  scenarios: readonly ScenarioResult[],
  fanOut: FanOutData | undefined,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const chartFile = fanOut && fanOut.cells.length > 0 ? CHART_FILE : undefined;
  if (fanOut && chartFile) {
    const caption = `Delivery latency from append to subscriber; Rivulet in fsync mode; ${machine.vcpus} vCPUs shared with the load generator${run.quick ? "; quick mode" : ""}`;
    await writeFile(join(dir, chartFile), fanOutChart(fanOut, caption));
    written.push(join(dir, chartFile));
  }
  const info: RunInfo = { ...run, chartFile };
  for (const report of REPORT_FILES) {
    const own = scenarios.filter((scenario) => report.scenarios.includes(scenario.id));
    if (own.length === 0) continue;
    const base = join(dir, report.name);
    const json = { run: info, machine, scenarios: own, ...curves(own, fanOut) };
    await writeFile(`${base}.md`, renderMarkdown(report, machine, info, own));
    await writeFile(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
    written.push(`${base}.md`, `${base}.json`);
  }
  return written;
}

/** The fan-out percentile curves go with the report that holds scenario 4. */
function curves(scenarios: readonly ScenarioResult[], fanOut: FanOutData | undefined) {
  if (!fanOut || !scenarios.some((scenario) => scenario.id === "s4")) return {};
  return {
    fanOutCurves: fanOut.cells.map(({ server, mode, subscribers, curve }) => ({ server, mode, subscribers, curve })),
  };
}
