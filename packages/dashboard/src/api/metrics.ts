/** The server's counters as time series: `GET {base}/__ds/metrics`, the samples after the last one held. */
import type { Sample } from "../lib/series.js";
import { getJson } from "./http.js";

export interface Samples {
  readonly intervalMs: number;
  readonly samples: Sample[];
}

export function fetchSamples(basePath: string, after: number | undefined): Promise<Samples> {
  return getJson<Samples>(`${basePath}/__ds/metrics`, { after });
}
