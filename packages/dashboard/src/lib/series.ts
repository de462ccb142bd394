/**
 * The overview's time series: the server's samples merged as they arrive (by seq, oldest
 * dropped past the window), and one chart's columns picked out of them for uPlot. Pure.
 */
import type { MetricsSample } from "@rivulet/protocol";

/** One sample of `GET {base}/__ds/metrics` (the server's live-metrics feature). */
export type Sample = MetricsSample;

export type SampleField = Exclude<keyof Sample, "seq" | "at">;

/** Adds newer samples to what is held, keeping at most `window` of the newest. */
export function mergeSamples(held: readonly Sample[], incoming: readonly Sample[], window: number): Sample[] {
  const last = held[held.length - 1]?.seq ?? -1;
  const fresh = incoming.filter((sample) => sample.seq > last);
  // The server restarted (its seq began again): start over rather than mix two runs.
  const restarted = incoming.length > 0 && fresh.length === 0 && incoming[incoming.length - 1]!.seq < last;
  const merged = restarted ? [...incoming] : [...held, ...fresh];
  return merged.slice(Math.max(0, merged.length - window));
}

/** uPlot's columns: times in seconds, then one column per field (null where the server had no figure). */
export function columns(samples: readonly Sample[], fields: readonly SampleField[]): (number | null)[][] {
  return [samples.map((sample) => sample.at / 1000), ...fields.map((field) => samples.map((sample) => sample[field]))];
}

/** The newest value of a field, or null. */
export function latest(samples: readonly Sample[], field: SampleField): number | null {
  return samples[samples.length - 1]?.[field] ?? null;
}
