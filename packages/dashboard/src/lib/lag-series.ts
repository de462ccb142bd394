/**
 * A group's lag per partition over time, kept by the page from its polls of the group's
 * offsets (the server keeps no history of lag). Each poll adds one point to every series; a
 * partition seen for the first time starts with gaps before it, so lines stay aligned in time.
 * Pure.
 */

export interface LagPoint {
  readonly topic: string;
  readonly partition: number;
  /** Null when the server knows no lag: nothing committed yet, or a store that does not count messages. */
  readonly messages: number | null;
}

export interface LagSeries {
  /** Poll times, seconds since the epoch. */
  readonly times: readonly number[];
  /** `topic/partition`, in the order first seen (sorted within one poll). */
  readonly keys: readonly string[];
  /** Per key, one value per time (null before the key was seen or when a poll lacked it). */
  readonly values: Readonly<Record<string, readonly (number | null)[]>>;
}

export const EMPTY_LAG: LagSeries = { times: [], keys: [], values: {} };

export function lagKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** The series with one more poll, keeping at most `window` points. */
export function addLag(series: LagSeries, atMs: number, points: readonly LagPoint[], window: number): LagSeries {
  const now = new Map(points.map((point) => [lagKey(point.topic, point.partition), point.messages]));
  const fresh = [...now.keys()].filter((key) => !(key in series.values)).sort(compareKeys);
  const keys = [...series.keys, ...fresh];
  const drop = Math.max(0, series.times.length + 1 - window);
  const values: Record<string, (number | null)[]> = {};
  for (const key of keys) {
    const held = series.values[key] ?? series.times.map(() => null);
    values[key] = [...held, now.get(key) ?? null].slice(drop);
  }
  return { times: [...series.times, atMs / 1000].slice(drop), keys, values };
}

/** uPlot's columns: times, then one column per partition. */
export function lagColumns(series: LagSeries): (readonly (number | null)[])[] {
  return [series.times, ...series.keys.map((key) => series.values[key]!)];
}

/** The newest total lag over the partitions with a known lag (null when none has one, or before the first poll). */
export function latestTotal(series: LagSeries): number | null {
  let total: number | null = null;
  for (const key of series.keys) {
    const value = series.values[key]![series.times.length - 1] ?? null;
    if (value !== null) total = (total ?? 0) + value;
  }
  return total;
}

/** Topic by name, then partition by number (so orders/10 follows orders/9). */
function compareKeys(a: string, b: string): number {
  const [topicA, partA] = split(a);
  const [topicB, partB] = split(b);
  return topicA < topicB ? -1 : topicA > topicB ? 1 : partA - partB;
}

function split(key: string): [string, number] {
  const at = key.lastIndexOf("/");
  return [key.slice(0, at), Number(key.slice(at + 1))];
}
