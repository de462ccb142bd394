/** What each server under test is, how it stores data, and how it is started. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../core/repo-root.js";
import type { ServerId } from "../core/types.js";

export interface ServerKind {
  readonly id: ServerId;
  /** The name the report prints. */
  readonly label: string;
  /** What an acknowledged write means on this server. */
  readonly durability: string;
  /** Whether it keeps data in a directory. */
  readonly usesDataDir: boolean;
}

const referenceVersion: string = JSON.parse(
  readFileSync(join(REPO_ROOT, "node_modules/@durable-streams/server/package.json"), "utf8"),
).version;

export const REFERENCE_NAME = `@durable-streams/server ${referenceVersion}`;

export const SERVER_KINDS: Record<ServerId, ServerKind> = {
  rivulet: {
    id: "rivulet",
    label: "Rivulet (file store)",
    durability: "fsync before ack, group commit",
    usesDataDir: true,
  },
  refFile: {
    id: "refFile",
    label: `reference (${REFERENCE_NAME}, file-backed)`,
    durability: "fsync per append",
    usesDataDir: true,
  },
  refMemory: {
    id: "refMemory",
    label: `reference (${REFERENCE_NAME}, in-memory)`,
    durability: "none (memory)",
    usesDataDir: false,
  },
  trivial: {
    id: "trivial",
    label: "trivial node:http server",
    durability: "none (answers 204, stores nothing)",
    usesDataDir: false,
  },
};

export interface ServerArgs {
  readonly dataDir: string;
  /** Rivulet only. */
  readonly durability: string;
  /** Rivulet only. */
  readonly logLevel: string;
  /** Rivulet only: a config file. */
  readonly configFile?: string | undefined;
}

/** node arguments that start the server (relative to the repository root). */
export function serverArgs(id: ServerId, args: ServerArgs): string[] {
  switch (id) {
    case "rivulet":
      return [
        "packages/cli/bin/rivulet.js",
        "serve",
        "--port",
        "0",
        "--data-dir",
        args.dataDir,
        "--durability",
        args.durability,
        "--log-level",
        args.logLevel,
        ...(args.configFile ? ["--config", args.configFile] : []),
      ];
    case "refFile":
      return ["bench/src/servers/reference-server.mjs", "--data-dir", args.dataDir];
    case "refMemory":
      return ["bench/src/servers/reference-server.mjs"];
    case "trivial":
      return ["bench/src/servers/trivial-server.mjs"];
  }
}
