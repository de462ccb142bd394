/** Shapes shared by scenarios, the load generators and the report. */

/** The servers under test. */
export type ServerId = "rivulet" | "rivuletMemory" | "refFile" | "refMemory" | "trivial" | "minimalDurable";

/** A table as the report prints it: every cell already formatted. */
export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  readonly notes?: readonly string[];
}

/** A target of the issue and whether this run met it (`null`: not measured). */
export interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean | null;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly tables: readonly Table[];
  readonly verdicts: readonly Verdict[];
  readonly notes: readonly string[];
  /** Structured figures for latest.json. */
  readonly data: Record<string, unknown>;
  readonly seconds: number;
  /** 1-minute load average while it ran (filled in by the runner). */
  readonly machineLoad?: { readonly mean: number; readonly max: number };
}
