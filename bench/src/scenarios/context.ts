/** What every scenario gets, and the helpers they share for servers. */
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ScenarioRun } from "@rivulet/load";
import type { ServerId } from "../core/types.js";
import { runJob } from "../load/run-job.js";
import { type LaunchOptions, launchServer, type RunningServer } from "../servers/launch.js";
import type { Settings } from "../settings.js";

export interface ScenarioContext {
  readonly settings: Settings;
  /** Scratch space for data directories (removed at the end). */
  readonly workDir: string;
  log(message: string): void;
}

export const STREAM_BASE = "/v1/stream/";

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

/**
 * The library's scenarios against a server started here: every job in a fresh generator
 * process, each measurement repeated `runs` times. Its streams go with its data directory.
 */
export function onServer(context: ScenarioContext, server: RunningServer): ScenarioRun {
  return {
    target: {
      origin: server.url,
      headers: {},
      serverPid: server.pid,
      root: STREAM_BASE.slice(0, -1),
      path: (name) => `${STREAM_BASE}${name}`,
      created: () => {},
      createdRange: () => {},
    },
    jobs: runJob,
    runs: context.settings.runs,
    // The reference sometimes answers 404 to a create under concurrent creates.
    createAttempts: 5,
    progress: (message) => context.log(`  ${server.id}: ${message}`),
  };
}
