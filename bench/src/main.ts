/**
 * `npm run bench`: Rivulet side by side with the reference implementation and a trivial
 * node:http server, every server and every load generator in its own process. Writes
 * latest.md and latest.json (scenarios 1-7), subscriptions.md and subscriptions.json
 * (scenario 8), kafka-layer.* (scenarios 9 and 12), extensions.* (scenarios 10 and 11), cluster.* (scenario 14) and the fan-out
 * chart. `--quick` is a small version, `--smoke` the smallest
 * (npm test runs it so the benchmarks keep working).
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFlags, type ScenarioId } from "./cli-args.js";
import { atExit } from "./core/children.js";
import { sampleLoad } from "./core/load-sampler.js";
import { REPO_ROOT } from "./core/repo-root.js";
import type { ScenarioResult } from "./core/types.js";
import { reuseGenerators } from "./load/run-job.js";
import { describeMachine } from "./report/machine.js";
import { writeResults } from "./report/write-results.js";
import type { ScenarioContext } from "./scenarios/context.js";
import type { FanOutData } from "./scenarios/fan-out-types.js";
import { appendsScenario } from "./scenarios/s1-appends.js";
import { producerScenario } from "./scenarios/s2-producer.js";
import { catchUpScenario } from "./scenarios/s3-catch-up.js";
import { fanOutScenario } from "./scenarios/s4-fan-out.js";
import { manyStreamsScenario } from "./scenarios/s5-many-streams.js";
import { sseMemoryScenario } from "./scenarios/s6-sse-memory.js";
import { restartScenario } from "./scenarios/s7-restart.js";
import { subscriptionsScenario } from "./scenarios/s8-subscriptions.js";
import { groupsScenario } from "./scenarios/s9-groups.js";
import { timeAndRecordsScenario } from "./scenarios/s10-time-and-records.js";
import { reclaimAppendsScenario } from "./scenarios/s11-reclaim-appends.js";
import { keyedProduceScenario } from "./scenarios/s12-keyed-produce.js";
import { sdkProduceScenario } from "./scenarios/s13-kafka-sdk.js";
import { clusterScenario } from "./scenarios/s14-cluster.js";
import { settingsFor } from "./settings.js";

const flags = parseFlags(process.argv.slice(2));
// The smoke run checks figures against each other, not against targets (run-job.ts).
if (flags.size === "smoke") reuseGenerators();
const startedAt = new Date();
const log = (message: string) =>
  console.log(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s] ${message}`);

if (flags.build) {
  // Scenario 13's load generator imports @rivulet/kafka, whose package points at its build.
  log("building the rivulet binary and the SDK (tsc -b packages/cli packages/kafka)");
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-b", "packages/cli", "packages/kafka"],
    {
      cwd: REPO_ROOT,
      stdio: "inherit",
    },
  );
}

const workDir = await mkdtemp(join(tmpdir(), "rivulet-bench-"));
// Servers are killed and scratch data removed however the run ends (Ctrl-C included).
atExit(() => rmSync(workDir, { recursive: true, force: true }));
const context: ScenarioContext = { settings: settingsFor(flags.size), workDir, log };
const results: ScenarioResult[] = [];
let fanOut: FanOutData | undefined;
let failed = false;

/** Runs one scenario; a failure is reported in the results instead of ending the run. */
async function attempt(id: ScenarioId, title: string, run: () => Promise<ScenarioResult[]>): Promise<void> {
  if (!flags.only.has(id)) return;
  log(`scenario ${title}`);
  const started = performance.now();
  const load = sampleLoad();
  try {
    const produced = await run();
    const machineLoad = load();
    results.push(...produced.map((result) => ({ ...result, machineLoad })));
  } catch (error) {
    load();
    failed = true;
    log(`scenario ${id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    results.push({
      id,
      title,
      tables: [],
      verdicts: [],
      notes: [`FAILED: ${error instanceof Error ? error.message : String(error)}`],
      data: { failed: true },
      seconds: (performance.now() - started) / 1000,
    });
  }
}

try {
  await attempt("s1", "1. Durable appends", async () => [await appendsScenario(context)]);
  await attempt("s2", "2. Idempotent producer", async () => [await producerScenario(context)]);
  await attempt("s3", "3. Catch-up read", async () => [await catchUpScenario(context)]);
  await attempt("s4", "4. Live fan-out (and 6. RSS per SSE subscriber)", async () => {
    const measured = await fanOutScenario(context);
    fanOut = measured.data;
    return [measured.result, sseMemoryScenario(measured.data)];
  });
  await attempt("s5", "5. Many streams", async () => [await manyStreamsScenario(context)]);
  await attempt("s7", "7. Restart time", async () => [await restartScenario(context)]);
  await attempt("s8", "8. Webhook delivery through subscriptions", async () => [await subscriptionsScenario(context)]);
  await attempt("s9", "9. Consumer groups", async () => [await groupsScenario(context)]);
  await attempt("s10", "10. Point in time and the records view", async () => [await timeAndRecordsScenario(context)]);
  await attempt("s11", "11. Appends while retention reclaims", async () => [await reclaimAppendsScenario(context)]);
  await attempt("s12", "12. Keyed produce", async () => [await keyedProduceScenario(context)]);
  await attempt("s13", "13. Producing and consuming through @rivulet/kafka", async () => [
    await sdkProduceScenario(context),
  ]);
  await attempt("s14", "14. Several nodes on PostgreSQL", async () => [await clusterScenario(context)]);

  results.sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));
  const minutes = (Date.now() - startedAt.getTime()) / 60_000;
  const machine = describeMachine(workDir, execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim());
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  const written = await writeResults(
    flags.outDir,
    machine,
    { startedAt: startedAt.toISOString(), minutes, quick: flags.size !== "full", command },
    results,
    fanOut,
  );
  for (const result of results) {
    for (const verdict of result.verdicts) {
      const word = verdict.pass === null ? "n/a " : verdict.pass ? "PASS" : "MISS";
      log(`${word}  ${result.id} ${verdict.target}: ${verdict.measured}`);
    }
  }
  log(`wrote ${written.join(", ")}`);
} catch (error) {
  failed = true;
  log(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
process.exit(failed ? 1 : 0);
