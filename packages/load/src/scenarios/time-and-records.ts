/**
 * Rivulet's records extension on one large JSON stream (docs/extensions.md): point-in-time
 * lookups (`HEAD ?at=`) at times spread over the stream's life and as many plain HEADs for
 * comparison, then catch-up reads of the whole stream in the plain view and in the records
 * view, run after run in turn (which of each pair goes first alternates), so both see the same
 * machine. A server without the extension fails the lookups at once.
 */
import { bytes } from "../format/figures.js";
import type { CatchUpResult } from "../generators/catch-up-read.js";
import type { FillStreamResult } from "../generators/fill-stream.js";
import type { TimeLookupsResult } from "../generators/time-lookups.js";
import { endpoint, type ScenarioRun } from "./scenario-run.js";

export interface TimeAndRecordsSizes {
  readonly streamBytes: number;
  /** Bytes per append while filling: each append is one entry of the time index. */
  readonly requestBytes: number;
  readonly messageBytes: number;
  /** Measured lookups per run. */
  readonly lookups: number;
  readonly warmupLookups: number;
}

export interface TimeAndRecordsMeasurement {
  readonly fill: FillStreamResult;
  readonly lookups: readonly TimeLookupsResult[];
  /** The same number of plain HEADs (no `at`): what any HEAD costs here. */
  readonly heads: readonly TimeLookupsResult[];
  readonly plain: readonly CatchUpResult[];
  readonly records: readonly CatchUpResult[];
}

const TIMEOUT_MS = 600_000;

export async function measureTimeAndRecords(
  run: ScenarioRun,
  sizes: TimeAndRecordsSizes,
): Promise<TimeAndRecordsMeasurement> {
  const path = run.target.path("records-json");
  run.target.created(path);
  run.progress(`records: filling a ${bytes(sizes.streamBytes)} JSON stream`);
  const fill = await run.jobs(
    "fillStream",
    {
      ...endpoint(run.target),
      path,
      json: true,
      totalBytes: sizes.streamBytes,
      requestBytes: sizes.requestBytes,
      messageBytes: sizes.messageBytes,
      timeoutMs: TIMEOUT_MS,
    },
    TIMEOUT_MS + 60_000,
  );
  const lookups: TimeLookupsResult[] = [];
  const heads: TimeLookupsResult[] = [];
  const plain: CatchUpResult[] = [];
  const records: CatchUpResult[] = [];
  const read = { ...endpoint(run.target), path, timeoutMs: TIMEOUT_MS };
  for (let i = 0; i < run.runs; i++) {
    run.progress(`records: ${sizes.lookups} point-in-time lookups, and as many plain HEADs`);
    const asked = { ...endpoint(run.target), path, lookups: sizes.lookups, warmup: sizes.warmupLookups };
    const lookup = async () =>
      lookups.push(await run.jobs("timeLookups", { ...asked, timeoutMs: TIMEOUT_MS }, TIMEOUT_MS + 60_000));
    const head = async () =>
      heads.push(await run.jobs("timeLookups", { ...asked, at: false, timeoutMs: TIMEOUT_MS }, TIMEOUT_MS + 60_000));
    const plainRead = async () => plain.push(await run.jobs("catchUpRead", read, TIMEOUT_MS + 60_000));
    const recordsRead = async () =>
      records.push(await run.jobs("catchUpRead", { ...read, view: "records" }, TIMEOUT_MS + 60_000));
    // Which of each pair goes first alternates from run to run, so neither always meets the
    // machine as the other left it (a warm page cache, a collection due).
    const first = i % 2 === 0;
    for (const measure of first ? [lookup, head] : [head, lookup]) await measure();
    run.progress(
      `records: catch-up in the ${first ? "plain view, then in the records view" : "records view, then in the plain view"}`,
    );
    for (const measure of first ? [plainRead, recordsRead] : [recordsRead, plainRead]) await measure();
  }
  return { fill, lookups, heads, plain, records };
}
