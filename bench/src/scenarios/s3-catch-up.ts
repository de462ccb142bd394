/**
 * Scenario 3 (@rivulet/load's definition) on each server: a catch-up read of a large stream
 * from `-1` to the tail, one request after another following Stream-Next-Offset, for a byte
 * stream and a JSON stream.
 */

import {
  bytes,
  measureCatchUp,
  megabytesPerSecond,
  ratio,
  type Spread,
  shortCount,
  spread,
  spreadOf,
  times,
} from "@rivulet/load";
import type { ScenarioResult, ServerId, Table, Verdict } from "../core/types.js";
import { SERVER_KINDS } from "../servers/server-kinds.js";
import { onServer, type ScenarioContext, withServer } from "./context.js";

/** Issue 19: catch-up at ≥ 0.95× the trivial server's 1 MiB bodies, bytes and JSON alike. */
const TRIVIAL_TARGET = 0.95;

interface Row {
  readonly server: ServerId;
  readonly json: boolean;
  readonly streamBytes: number;
  readonly requests: number;
  readonly megabytesPerSecond: Spread;
  readonly complete: boolean;
}

export async function catchUpScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const s = context.settings.catchUp;
  const rows: Row[] = [];
  for (const server of s.servers) {
    await withServer(context, server, async (running) => {
      const measured = await measureCatchUp(onServer(context, running), {
        totalBytes: server === "rivulet" ? s.bytes : s.referenceBytes,
        requestBytes: s.requestBytes,
        jsonMessageBytes: s.jsonMessageBytes,
      });
      for (const { json, fill, reads } of measured) {
        rows.push({
          server,
          json,
          streamBytes: fill.appendedBytes,
          requests: reads[0]!.requests,
          megabytesPerSecond: spread(reads.map((r) => r.megabytesPerSecond)),
          complete: reads.every((r) => r.complete),
        });
      }
    });
  }
  return {
    id: "s3",
    title: "3. Catch-up read from -1 to the tail",
    tables: [table(rows)],
    verdicts: verdicts(rows, context.settings.quick),
    notes: [
      "MB = 10^6 bytes of response body received. One reader, one request at a time; each next request starts at the previous response's Stream-Next-Offset. No Accept-Encoding is sent, so nothing is compressed.",
      `JSON streams hold ${s.jsonMessageBytes} B messages, appended ${bytes(s.requestBytes)} per request; byte streams are appended ${bytes(s.requestBytes)} per request.`,
      "Rivulet answers in chunks of at most 1 MiB (its default `--chunk-size`); the requests column shows how many responses each server needed.",
      "The trivial server answers each GET with up to 1 MiB of preallocated bytes (no file, no framing; JSON or not makes no difference to it): the ceiling for 1 MiB responses on this machine with this generator.",
    ],
    data: { rows },
    seconds: (performance.now() - started) / 1000,
  };
}

function table(rows: readonly Row[]): Table {
  return {
    title: "Catch-up read throughput",
    columns: [
      "content",
      "server",
      "stream size",
      "requests",
      "MB/s, median (min–max)",
      "× ref file",
      "× ref memory",
      "× trivial",
      "read to the tail",
    ],
    rows: rows.map((row) => {
      const ref = (server: ServerId) =>
        rows.find((r) => r.server === server && r.json === row.json)?.megabytesPerSecond.median;
      return [
        row.json ? "JSON" : "bytes",
        SERVER_KINDS[row.server].label,
        bytes(row.streamBytes),
        shortCount(row.requests),
        spreadOf(row.megabytesPerSecond, megabytesPerSecond),
        row.server === "refFile" ? "1×" : times(ratio(row.megabytesPerSecond.median, ref("refFile") ?? Number.NaN)),
        row.server === "refMemory" ? "1×" : times(ratio(row.megabytesPerSecond.median, ref("refMemory") ?? Number.NaN)),
        row.server === "trivial" ? "1×" : times(ratio(row.megabytesPerSecond.median, ref("trivial") ?? Number.NaN)),
        row.complete ? "yes" : "no",
      ];
    }),
  };
}

function verdicts(rows: readonly Row[], quick: boolean): Verdict[] {
  return [false, true].map((json) => {
    const row = rows.find((r) => r.server === "rivulet" && r.json === json);
    // The trivial server answers JSON and bytes alike: its one row is the ceiling for both.
    const trivial =
      rows.find((r) => r.server === "trivial" && r.json === json) ?? rows.find((r) => r.server === "trivial");
    const label = `${json ? "JSON" : "bytes"}: ≥ ${TRIVIAL_TARGET}× trivial (1 MiB responses)`;
    if (!row || !trivial) return { target: label, measured: "not measured", pass: null };
    const share = row.megabytesPerSecond.median / trivial.megabytesPerSecond.median;
    const measured = `${megabytesPerSecond(row.megabytesPerSecond.median)} = ${times(share)} trivial (${megabytesPerSecond(trivial.megabytesPerSecond.median)}; ${bytes(row.streamBytes)} stream)`;
    return { target: label, measured, pass: quick ? null : row.complete && share >= TRIVIAL_TARGET };
  });
}
