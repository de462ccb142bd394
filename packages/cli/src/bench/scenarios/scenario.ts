/** What every scenario of `rivulet bench` gets, and what it hands back. */
import type { ScenarioRun } from "@rivulet/load";
import type { BenchPlan, ScenarioName } from "../plan.js";

export interface ScenarioContext {
  /** The target, with every job run in this process, once. */
  readonly run: ScenarioRun;
  readonly plan: BenchPlan;
}

export interface ScenarioReport {
  readonly name: ScenarioName;
  readonly title: string;
  /** The human table: headers and formatted cells. */
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  /** The same rows as numbers, for --json. */
  readonly figures: ReadonlyArray<Record<string, unknown>>;
  readonly notes: readonly string[];
  /** Failed requests, missing deliveries and the like: any makes the run exit 5. */
  readonly failures: number;
  readonly firstFailure?: string;
  readonly seconds: number;
}

/** Failures of several measurements, summed, with the first one's reason. */
export class FailureTally {
  count = 0;
  first: string | undefined;

  add(count: number, reason: string | undefined): void {
    this.count += count;
    if (count > 0) this.first ??= reason ?? "unknown";
  }

  /** The part of a ScenarioReport this tally fills in. */
  get report(): { failures: number; firstFailure?: string } {
    return { failures: this.count, ...(this.first === undefined ? {} : { firstFailure: this.first }) };
  }
}
