/**
 * Counts and rates as a terminal shows them, in full digits (1,000 readers, 16,100/s); the
 * other figures read as in the suite's report (../figures.ts).
 */
import { bytes, DASH } from "@rivulet/load";

const GROUPED = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function count(value: number): string {
  return Number.isFinite(value) ? GROUPED.format(value) : DASH;
}

export function perSecond(value: number): string {
  return Number.isFinite(value) ? `${GROUPED.format(value)}/s` : DASH;
}

/**
 * A process's RSS growth per unit (stream, reader). Growth below zero means the server freed
 * more (garbage from earlier load) than the units took: no figure, said so.
 */
export function growthPer(value: number): string {
  return value < 0 ? "RSS fell" : bytes(value);
}
