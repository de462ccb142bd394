/**
 * Scenario 3, as `rivulet bench` reports it: a stream filled with --catch-up-size bytes (1 MiB
 * appends; JSON as 200 B messages) read from the start to the tail.
 */
import { bytes, count, measureCatchUp, megabytesPerSecond } from "@rivulet/load";
import { FailureTally, type ScenarioContext, type ScenarioReport } from "./scenario.js";

export async function catchUpScenario({ run, plan }: ScenarioContext): Promise<ScenarioReport> {
  const started = performance.now();
  const failures = new FailureTally();
  const measured = await measureCatchUp(run, {
    totalBytes: plan.catchUpBytes,
    requestBytes: plan.catchUpRequestBytes,
    jsonMessageBytes: plan.catchUpJsonMessageBytes,
  });
  const rows: string[][] = [];
  const figures: Record<string, unknown>[] = [];
  for (const { json, fill, reads } of measured) {
    const content = json ? "JSON" : "bytes";
    const read = reads[0]!;
    if (!read.complete) failures.add(1, `the ${content} read did not reach the tail within 10 minutes`);
    const fillMegabytesPerSecond = fill.appendedBytes / 1e6 / fill.seconds;
    rows.push([
      content,
      bytes(fill.appendedBytes),
      megabytesPerSecond(fillMegabytesPerSecond),
      megabytesPerSecond(read.megabytesPerSecond),
      bytes(read.bytes),
      count(read.requests),
    ]);
    figures.push({
      content,
      appendedBytes: fill.appendedBytes,
      fillMegabytesPerSecond,
      readMegabytesPerSecond: read.megabytesPerSecond,
      readBytes: read.bytes,
      requests: read.requests,
      seconds: read.seconds,
      complete: read.complete,
    });
  }
  return {
    name: "catch-up",
    title: `3. Catch-up read from -1 to the tail of a ${bytes(plan.catchUpBytes)} stream`,
    columns: ["content", "appended", "fill (1 MiB appends)", "read", "read bytes", "requests"],
    rows,
    figures,
    notes: ["read bytes: the response bodies as received (a JSON read answers with arrays of the messages)."],
    ...failures.report,
    seconds: (performance.now() - started) / 1000,
  };
}
