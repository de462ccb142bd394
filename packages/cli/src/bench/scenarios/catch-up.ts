/**
 * Scenario 3, catch-up read: a stream filled with --catch-up-size bytes (1 MiB appends; JSON
 * as 200 B messages) read from the start (`offset=-1`) to the tail, one request at a time,
 * following Stream-Next-Offset.
 */

import { bytes, catchUpRead, count, fillStream, megabytesPerSecond } from "@rivulet/load";
import { FailureTally, type ScenarioContext, type ScenarioReport } from "./scenario.js";

export async function catchUpScenario({ target, plan, progress }: ScenarioContext): Promise<ScenarioReport> {
  const started = performance.now();
  const failures = new FailureTally();
  const rows: string[][] = [];
  const figures: Record<string, unknown>[] = [];
  for (const json of [false, true]) {
    const content = json ? "JSON" : "bytes";
    const path = target.path(`catch-up-${content.toLowerCase()}`);
    target.created(path);
    progress(`catch-up: filling a ${bytes(plan.catchUpBytes)} ${content} stream`);
    const filled = await fillStream({
      origin: target.origin,
      headers: target.headers,
      path,
      json,
      totalBytes: plan.catchUpBytes,
      requestBytes: plan.catchUpRequestBytes,
      messageBytes: plan.catchUpJsonMessageBytes,
      timeoutMs: 600_000,
    });
    progress(`catch-up: reading the ${content} stream`);
    const read = await catchUpRead({ origin: target.origin, headers: target.headers, path, timeoutMs: 600_000 });
    if (!read.complete) failures.add(1, `the ${content} read did not reach the tail within 10 minutes`);
    const fillMegabytesPerSecond = filled.appendedBytes / 1e6 / filled.seconds;
    rows.push([
      content,
      bytes(filled.appendedBytes),
      megabytesPerSecond(fillMegabytesPerSecond),
      megabytesPerSecond(read.megabytesPerSecond),
      bytes(read.bytes),
      count(read.requests),
    ]);
    figures.push({
      content,
      appendedBytes: filled.appendedBytes,
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
