/** What every scenario gets, and the helpers they share for servers and repeated runs. */
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ServerId } from "../core/types.js";
import { type LaunchOptions, launchServer, type RunningServer } from "../servers/launch.js";
import type { Settings } from "../settings.js";

export interface ScenarioContext {
  readonly settings: Settings;
  /** Scratch space for data directories (removed at the end). */
  readonly workDir: string;
  log(message: string): void;
}

/** Starts `id` on a fresh data directory, runs `body`, and always stops it and removes the directory. */
export async function withServer<T>(
  context: ScenarioContext,
  id: ServerId,
  body: (server: RunningServer) => Promise<T>,
  options: Omit<LaunchOptions, "dataDir"> = {},
): Promise<T> {
  const dataDir = await mkdtemp(join(context.workDir, `${id}-`));
  const server = await launchServer(id, { ...options, dataDir });
  try {
    return await body(server);
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Runs `measure` `count` times in a row and returns every result. */
export async function repeat<T>(count: number, measure: (run: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let run = 0; run < count; run++) results.push(await measure(run));
  return results;
}

export const STREAM_BASE = "/v1/stream/";
