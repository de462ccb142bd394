/**
 * Runs the chosen scenarios one after another against a target, every load job in this
 * process, then deletes the run's streams. A scenario that throws is reported as failed and
 * the next one still runs.
 */
import { inProcess, type ScenarioRun } from "@rivulet/load";
import type { BenchPlan, ScenarioName } from "./plan.js";
import type { BenchReport } from "./report.js";
import { notRun } from "./report.js";
import { appendsScenario } from "./scenarios/appends.js";
import { catchUpScenario } from "./scenarios/catch-up.js";
import { createsScenario } from "./scenarios/creates.js";
import { fanOutScenario } from "./scenarios/fan-out.js";
import { producerScenario } from "./scenarios/producer.js";
import type { ScenarioContext, ScenarioReport } from "./scenarios/scenario.js";
import { subscriptionsScenario } from "./scenarios/subscriptions.js";
import type { BenchTarget } from "./target.js";

const RUNNERS: Record<ScenarioName, { title: string; run: (context: ScenarioContext) => Promise<ScenarioReport> }> = {
  appends: { title: "1. Durable appends", run: appendsScenario },
  producer: { title: "2. Idempotent producer", run: producerScenario },
  "catch-up": { title: "3. Catch-up read", run: catchUpScenario },
  "fan-out": { title: "4. Live fan-out", run: fanOutScenario },
  creates: { title: "5. Many streams", run: createsScenario },
  subscriptions: { title: "8. Webhook delivery", run: subscriptionsScenario },
};

export interface RunHooks {
  progress(message: string): void;
  /** Each scenario's report as soon as it is done. */
  scenarioDone(report: ScenarioReport): Promise<void>;
  /** Leave the streams in place. */
  keep: boolean;
}

export async function runBench(target: BenchTarget, plan: BenchPlan, hooks: RunHooks): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const scenarios: ScenarioReport[] = [];
  let cleanup: Awaited<ReturnType<BenchTarget["deleteAll"]>> = { deleted: 0, failed: 0 };
  const run: ScenarioRun = { target, jobs: inProcess(), runs: 1, createAttempts: 1, progress: hooks.progress };
  try {
    for (const name of plan.scenarios) {
      const started = performance.now();
      let report: ScenarioReport;
      try {
        report = await RUNNERS[name].run({ run, plan });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        report = {
          name,
          title: RUNNERS[name].title,
          columns: ["result"],
          rows: [["did not finish"]],
          figures: [],
          notes: [],
          failures: 1,
          firstFailure: reason.split("\n")[0]!,
          seconds: (performance.now() - started) / 1000,
        };
      }
      scenarios.push(report);
      await hooks.scenarioDone(report);
    }
  } finally {
    if (!hooks.keep && target.recorded > 0) {
      hooks.progress(`deleting the run's ${target.recorded.toLocaleString("en-US")} streams`);
      cleanup = await target.deleteAll(plan.connections);
    }
  }
  return {
    target: target.origin + target.root,
    run: target.run,
    startedAt,
    plan,
    scenarios,
    notRun: notRun(plan),
    deleted: cleanup.deleted,
    deleteFailures: cleanup.failed,
    ...(cleanup.firstError === undefined ? {} : { deleteError: cleanup.firstError }),
  };
}
