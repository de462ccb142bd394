/** What every scenario of `rivulet bench` gets, and what it hands back. */
import type { BenchPlan, ScenarioName } from "../plan.js";
import type { BenchTarget } from "../target.js";

export interface ScenarioContext {
  readonly target: BenchTarget;
  readonly plan: BenchPlan;
  /** A line of progress (shown on terminals while the run goes on). */
  progress(message: string): void;
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
