/** The report of a bench run: a table per scenario for people, or one JSON object. */
import { formatTable } from "../output/format.js";
import type { BenchPlan } from "./plan.js";
import type { ScenarioReport } from "./scenarios/scenario.js";

export interface BenchReport {
  /** The stream root loaded, e.g. `http://127.0.0.1:4437/v1/stream`. */
  readonly target: string;
  /** The prefix of every stream name the run used. */
  readonly run: string;
  readonly startedAt: string;
  readonly plan: BenchPlan;
  readonly scenarios: readonly ScenarioReport[];
  /** Scenarios of the suite this command cannot run, and why. */
  readonly notRun: ReadonlyArray<{ readonly scenario: string; readonly why: string }>;
  /** Streams the run deleted at the end (0 with --keep). */
  readonly deleted: number;
  readonly deleteFailures: number;
  /** Why the first of them failed. */
  readonly deleteError?: string;
}

/** Scenarios 6 and 7 of the suite, as far as a client of the URL can go. */
export function notRun(plan: BenchPlan): BenchReport["notRun"] {
  const missing: Array<{ scenario: string; why: string }> = [];
  if (plan.serverPid === undefined || !plan.scenarios.includes("fan-out")) {
    missing.push({
      scenario: "6. server RSS per SSE subscriber",
      why: "measured with fan-out when --pid gives the server's process id (a server on this machine)",
    });
  }
  missing.push({
    scenario: "7. restart time",
    why: "needs to crash and restart the server: run `npm run bench -- --only s7` in a checkout",
  });
  return missing;
}

export function heading(target: string, run: string, plan: BenchPlan): string {
  const sizes = plan.quick ? "quick sizes" : "standard sizes";
  const pid = plan.serverPid === undefined ? "" : `, server pid ${plan.serverPid}`;
  return `rivulet bench against ${target} (${sizes}${pid}; streams named ${run}-*)`;
}

export function formatScenario(report: ScenarioReport): string {
  const columns = report.columns.map((column) => column.toUpperCase());
  // Figures line up on the right; words (modes, producer names) stay on the left.
  const numeric = new Set(
    report.columns
      .map((_, index) => index)
      .filter((index) => report.rows.every((row) => /^[\d–]/.test(row[index] ?? ""))),
  );
  const failed = report.failures > 0 ? [`FAILED: ${report.failures} (first: ${report.firstFailure ?? "unknown"})`] : [];
  return [
    `${report.title} (${report.seconds.toFixed(1)} s)`,
    formatTable(
      columns,
      report.rows.map((row) => [...row]),
      numeric,
    ),
    ...[...failed, ...report.notes].map((note) => `  - ${note}`),
  ].join("\n");
}

export function formatEnding(report: BenchReport): string {
  const lines = ["not run here:", ...report.notRun.map(({ scenario, why }) => `  ${scenario}: ${why}`)];
  if (report.deleted > 0) lines.push(`deleted the run's ${report.deleted.toLocaleString("en-US")} streams`);
  if (report.deleteFailures > 0) {
    lines.push(
      `left ${report.deleteFailures.toLocaleString("en-US")} streams named ${report.run}-* (first: ${report.deleteError ?? "unknown"})`,
    );
  }
  return lines.join("\n");
}

/** --json: figures and notes, not the formatted cells. */
export function jsonReport(report: BenchReport): string {
  return JSON.stringify({
    ...report,
    scenarios: report.scenarios.map(({ columns: _columns, rows: _rows, ...scenario }) => scenario),
  });
}
