/**
 * What every scenario runs against and with: the target server as a client of its URL sees
 * it, the runner of its jobs, and how many times each measurement is repeated.
 */
import type { TargetHeaders } from "../http-pool.js";
import type { JobRunner } from "../jobs.js";

export interface LoadTarget {
  /** `http://host:port`. */
  readonly origin: string;
  /** Sent with every request (credentials). */
  readonly headers: TargetHeaders;
  /** The server's pid when it runs on this machine: adds its CPU and RSS figures. */
  readonly serverPid: number | undefined;
  /**
   * The stream root's path, e.g. `/v1/stream` (no trailing slash): subscription endpoints live
   * under it, and their patterns are relative to it.
   */
  readonly root: string;
  /** The path of the stream this run calls `name` (under `root`). */
  path(name: string): string;
  /** Told of streams before they are created, so that a target can delete them afterwards. */
  created(...paths: string[]): void;
  /** Told of `<prefix>0` … `<prefix><count - 1>`. */
  createdRange(prefix: string, count: number): void;
  /**
   * Told of subscriptions (their paths, `<root>/__ds/subscriptions/<id>`) before they are
   * created. Their scenario deletes them when it ends; a target that can be cut short (Ctrl-C)
   * deletes them too, or they would go on waking a receiver that is gone.
   */
  subscribed?(...paths: string[]): void;
}

export interface ScenarioRun {
  readonly target: LoadTarget;
  readonly jobs: JobRunner;
  /** Runs of each measurement (the suite reports the median and the spread). */
  readonly runs: number;
  /**
   * Tries per stream create. More than one rides out servers that answer a create with a
   * spurious 4xx under concurrency; every retry is counted.
   */
  readonly createAttempts: number;
  /** A line of progress. */
  progress(message: string): void;
}

/** Where every job of a scenario goes: the origin and the credentials. */
export function endpoint(target: LoadTarget): { readonly origin: string; readonly headers: TargetHeaders } {
  return { origin: target.origin, headers: target.headers };
}

/** A path under the target's stream root, relative to it (`/v1/stream/a/b` → `a/b`). */
export function rootRelative(target: LoadTarget, path: string): string {
  const prefix = `${target.root}/`;
  if (!path.startsWith(prefix)) throw new Error(`${path} is not under the stream root ${target.root}`);
  return path.slice(prefix.length);
}

/** The server's pid as a job parameter, when it is known. */
export function serverPid(target: LoadTarget): { readonly serverPid?: number } {
  return target.serverPid === undefined ? {} : { serverPid: target.serverPid };
}

/** Runs `measure` `count` times in a row and returns every result. */
export async function repeat<T>(count: number, measure: (run: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let run = 0; run < count; run++) results.push(await measure(run));
  return results;
}

/** The name of a stream that run `run` of a repeated measurement starts afresh. */
export function nameInRun(name: string, run: number): string {
  return run === 0 ? name : `${name}-${run}`;
}
