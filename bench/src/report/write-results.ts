/** Writes `<name>.md`, `<name>.json` (latest.md and latest.json by default) and the fan-out chart into the results directory. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ScenarioResult } from "../core/types.js";
import type { FanOutData } from "../scenarios/fan-out-types.js";
import { fanOutChart } from "./fan-out-chart.js";
import type { Machine } from "./machine.js";
import { type RunInfo, renderMarkdown } from "./markdown.js";

export const CHART_FILE = "fan-out-latency.svg";

export async function writeResults(
  dir: string,
  name: string,
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
  await writeFile(join(dir, `${name}.md`), renderMarkdown(machine, info, scenarios));
  written.push(join(dir, `${name}.md`));
  const json = {
    run: info,
    machine,
    scenarios,
    ...(fanOut
      ? {
          fanOutCurves: fanOut.cells.map(({ server, mode, subscribers, curve }) => ({
            server,
            mode,
            subscribers,
            curve,
          })),
        }
      : {}),
  };
  await writeFile(join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  written.push(join(dir, `${name}.json`));
  return written;
}
