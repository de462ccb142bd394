/** Human-readable sizes, rates and tables. */
import { stripVTControlCharacters } from "node:util";

const SIZE_STEPS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let step = 0;
  while (value >= 1024 && step < SIZE_STEPS.length - 1) {
    value /= 1024;
    step++;
  }
  return step === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${SIZE_STEPS[step]}`;
}

export function formatRate(bytes: number, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  return `${formatBytes(Math.round(bytes / seconds))}/s`;
}

/** Left-aligned columns (right-aligned where `numeric`), two spaces apart; colours do not count. */
export function formatTable(header: string[], rows: string[][], numeric: ReadonlySet<number> = new Set()): string {
  const width = (cell: string) => stripVTControlCharacters(cell).length;
  const widths = header.map((title, column) => Math.max(width(title), ...rows.map((row) => width(row[column] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const pad = " ".repeat(widths[column]! - width(cell));
        return numeric.has(column) ? pad + cell : cell + pad;
      })
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

const DURATION_STEPS: [number, string][] = [
  [86_400_000, "d"],
  [3_600_000, "h"],
  [60_000, "m"],
  [1_000, "s"],
];

/** Milliseconds in the largest unit that divides them evenly (`7d`, `90m`), as --since takes them. */
export function formatDuration(ms: number): string {
  for (const [size, unit] of DURATION_STEPS) if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
