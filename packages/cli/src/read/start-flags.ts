/**
 * Where `rivulet read` starts: `--from <offset>`, `--since <duration>`, `--at <time>` or
 * `--last <n>`, one at a time. A time becomes `{ at }` (docs/extensions.md, "Point in time");
 * `--last` is found by seq (last-messages.ts).
 */
import { parseAt } from "@rivulet/protocol";
import { InvalidArgumentError, Option } from "commander";
import { parsePositiveCount } from "../option-parsers.js";
import { parseDuration } from "../units.js";

export interface StartFlags {
  from: string;
  since?: number;
  at?: number;
  last?: number;
}

const STARTS = ["from", "since", "at", "last"] as const;

export function startOptions(): Option[] {
  const others = (name: (typeof STARTS)[number]) => STARTS.filter((other) => other !== name);
  return [
    new Option("--from <offset>", 'where to start: -1 or "earliest" (the earliest retained), "now", or an offset')
      .default("-1")
      .conflicts(others("from")),
    new Option("--since <duration>", "start at what was appended in the last <duration> (e.g. 90s, 2h, 7d)")
      .argParser(parseDuration)
      .conflicts(others("since")),
    new Option(
      "--at <time>",
      "start at the first message appended at or after <time> (RFC 3339, or ms since the epoch)",
    )
      .argParser(parseTime)
      .conflicts(others("at")),
    new Option("--last <n>", "only the last <n> messages (appends, on streams that are not JSON)")
      .argParser(parsePositiveCount)
      .conflicts(others("last")),
  ];
}

/** A point in time, as the protocol's `at` parameter takes it. */
export function parseTime(value: string): number {
  try {
    return parseAt(value.trim());
  } catch {
    throw new InvalidArgumentError(`not a time (e.g. 2026-11-30T09:00:00Z, or ms since the epoch): ${value}`);
  }
}

/** The read's start, except `--last`, which needs the stream to be asked first. */
export function startOffset(flags: StartFlags, now = Date.now()): string | { at: number } {
  if (flags.since !== undefined) return { at: Math.max(0, now - flags.since) };
  if (flags.at !== undefined) return { at: flags.at };
  return flags.from;
}
