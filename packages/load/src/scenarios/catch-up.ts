/**
 * Scenario 3, catch-up read: a byte stream and then a JSON stream filled with `totalBytes`
 * (appends of `requestBytes`; JSON as messages of `jsonMessageBytes`), each read from the start
 * (`offset=-1`) to the tail, one request at a time, following Stream-Next-Offset.
 */
import { bytes } from "../format/figures.js";
import type { CatchUpResult } from "../generators/catch-up-read.js";
import type { FillStreamResult } from "../generators/fill-stream.js";
import { endpoint, repeat, type ScenarioRun } from "./scenario-run.js";

export interface CatchUpSizes {
  readonly totalBytes: number;
  readonly requestBytes: number;
  readonly jsonMessageBytes: number;
}

export interface CatchUpMeasurement {
  readonly json: boolean;
  readonly fill: FillStreamResult;
  readonly reads: readonly CatchUpResult[];
}

const TIMEOUT_MS = 600_000;

export async function measureCatchUp(run: ScenarioRun, sizes: CatchUpSizes): Promise<CatchUpMeasurement[]> {
  const measured: CatchUpMeasurement[] = [];
  for (const json of [false, true]) {
    const content = json ? "JSON" : "bytes";
    const path = run.target.path(`catch-up-${content.toLowerCase()}`);
    run.target.created(path);
    run.progress(`catch-up: filling a ${bytes(sizes.totalBytes)} ${content} stream`);
    const fill = await run.jobs(
      "fillStream",
      {
        ...endpoint(run.target),
        path,
        json,
        totalBytes: sizes.totalBytes,
        requestBytes: sizes.requestBytes,
        messageBytes: sizes.jsonMessageBytes,
        timeoutMs: TIMEOUT_MS,
      },
      TIMEOUT_MS + 60_000,
    );
    run.progress(`catch-up: reading the ${content} stream`);
    const reads = await repeat(run.runs, () =>
      run.jobs("catchUpRead", { ...endpoint(run.target), path, timeoutMs: TIMEOUT_MS }, TIMEOUT_MS + 60_000),
    );
    measured.push({ json, fill, reads });
  }
  return measured;
}
