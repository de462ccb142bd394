/** Command-line flags of `npm run bench`. */
import { join } from "node:path";
import { REPO_ROOT } from "./core/repo-root.js";
import type { RunSize } from "./settings.js";

export const SCENARIO_IDS = [
  "s1",
  "s2",
  "s3",
  "s4",
  "s5",
  "s6",
  "s7",
  "s8",
  "s9",
  "s10",
  "s11",
  "s12",
  "s13",
  "s14",
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export interface Flags {
  readonly size: RunSize;
  /** Where the reports (latest.*, subscriptions.*, kafka-layer.*, extensions.*, kafka-sdk.*, cluster.*) and the chart go. */
  readonly outDir: string;
  readonly only: ReadonlySet<ScenarioId>;
  readonly build: boolean;
}

const USAGE = `usage: npm run bench -- [--quick | --smoke] [--out <dir>] [--only s1,s4,...] [--no-build]
  --quick      small sizes, one run each
  --smoke      the least that still checks the figures (what npm test runs)
  --out        results directory (default bench/results)
  --only       run only these scenarios (s6 comes with s4); the report files of
               the others are left as they are (s1-s7: latest.*, s8: subscriptions.*,
               s9, s12: kafka-layer.*, s10-s11: extensions.*, s13: kafka-sdk.*,
               s14: cluster.*)
  --no-build   do not run tsc -b packages/cli first`;

export function parseFlags(argv: readonly string[]): Flags {
  let size: RunSize = "full";
  let outDir = join(REPO_ROOT, "bench/results");
  let only = new Set<ScenarioId>(SCENARIO_IDS);
  let build = true;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--quick") size = "quick";
    else if (flag === "--smoke") size = "smoke";
    else if (flag === "--no-build") build = false;
    else if (flag === "--out" && argv[i + 1]) outDir = argv[++i]!;
    else if (flag === "--only" && argv[i + 1]) only = new Set(argv[++i]!.split(",").map(scenarioId));
    else throw new Error(`unknown flag ${flag}\n${USAGE}`);
  }
  // Scenario 6 is measured on scenario 4's connections.
  if (only.has("s6")) only.add("s4");
  if (only.has("s4")) only.add("s6");
  return { size, outDir, only, build };
}

function scenarioId(text: string): ScenarioId {
  const id = text.trim() as ScenarioId;
  if (!SCENARIO_IDS.includes(id)) throw new Error(`unknown scenario ${text}\n${USAGE}`);
  return id;
}
