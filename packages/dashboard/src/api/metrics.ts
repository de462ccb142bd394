/** The server's counters as time series: `GET {base}/__ds/metrics`, the samples after the last one held. */
import type { Sample } from "../lib/series.js";
import { getJson } from "./http.js";
import { Pace } from "./poller.js";

/** One pace for every view of the metrics in this tab: at most one poll per interval, whatever is opened and closed. */
export const metricsPace = new Pace();

export interface Samples {
  readonly intervalMs: number;
  readonly samples: Sample[];
}

export function fetchSamples(basePath: string, after: number | undefined): Promise<Samples> {
  return getJson<Samples>(`${basePath}/__ds/metrics`, { after });
}
