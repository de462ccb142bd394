/**
 * Scenario 6: server memory per connected SSE subscriber, from the fan-out scenario's
 * connections: the server's RSS before the subscribers connected and once every one of them
 * had received the warm-up message, divided by their number.
 */
import { bytes, ratio, shortCount, times } from "@rivulet/load";
import type { ScenarioResult, ServerId, Table, Verdict } from "../core/types.js";
import { SERVER_KINDS } from "../servers/server-kinds.js";
import type { FanOutData } from "./fan-out-types.js";

/** Issue 19: at most a bare node:http server's cost per subscriber (the trivial server's) + 1 KB. */
const ABOVE_TRIVIAL_BYTES = 1_000;

export function sseMemoryScenario(data: FanOutData): ScenarioResult {
  // Long-poll waiters cost too little for RSS deltas to rise above GC noise: SSE only here
  // (latest.json keeps every mode).
  const cells = data.cells.filter((c) => c.mode === "sse");
  const table: Table = {
    title: "Server RSS per connected SSE subscriber",
    columns: ["mode", "subscribers", "server", "RSS per subscriber", "× ref file", "× ref memory", "× trivial"],
    rows: cells.map((cell) => {
      const ref = (server: ServerId) =>
        cells.find((c) => c.server === server && c.mode === cell.mode && c.subscribers === cell.subscribers)
          ?.rssPerSubscriberBytes ?? Number.NaN;
      return [
        cell.mode === "sse" ? "SSE" : "long-poll",
        shortCount(cell.subscribers),
        SERVER_KINDS[cell.server].label,
        bytes(cell.rssPerSubscriberBytes),
        cell.server === "refFile" ? "1×" : times(ratio(cell.rssPerSubscriberBytes, ref("refFile"))),
        cell.server === "refMemory" ? "1×" : times(ratio(cell.rssPerSubscriberBytes, ref("refMemory"))),
        cell.server === "trivial" ? "1×" : times(ratio(cell.rssPerSubscriberBytes, ref("trivial"))),
      ];
    }),
    notes: [
      "The trivial server keeps one node:http request/response pair per subscriber and nothing else: its row is the floor for a node:http server. One sample per configuration (the fan-out scenario connects each set of subscribers once). RSS includes whatever the allocator and V8 heap grew by, so it is an upper bound on what a subscriber keeps alive; the larger count is the more precise.",
    ],
  };
  const largest = Math.max(
    0,
    ...cells.filter((c) => c.server === "rivulet" && c.mode === "sse").map((c) => c.subscribers),
  );
  const find = (server: ServerId) =>
    cells.find((c) => c.server === server && c.mode === "sse" && c.subscribers === largest);
  const cell = find("rivulet");
  const trivial = find("trivial");
  const target = `≤ bare node:http (trivial) + ${bytes(ABOVE_TRIVIAL_BYTES)} per connected SSE subscriber`;
  const verdict: Verdict =
    cell && trivial
      ? {
          target,
          measured: `${bytes(cell.rssPerSubscriberBytes)} vs trivial ${bytes(trivial.rssPerSubscriberBytes)} (${shortCount(cell.subscribers)} subscribers)`,
          pass: cell.rssPerSubscriberBytes <= trivial.rssPerSubscriberBytes + ABOVE_TRIVIAL_BYTES,
        }
      : { target, measured: "not measured", pass: null };
  return {
    id: "s6",
    title: "6. Server RSS per connected SSE subscriber",
    tables: [table],
    verdicts: [verdict],
    notes: ["Measured from /proc/<server pid>/status (VmRSS)."],
    data: {
      cells: data.cells.map((c) => ({
        server: c.server,
        mode: c.mode,
        subscribers: c.subscribers,
        rssPerSubscriberBytes: c.rssPerSubscriberBytes,
      })),
    },
    seconds: 0,
  };
}
