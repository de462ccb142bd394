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
  rivuletMemory: {
    id: "rivuletMemory",
    label: "Rivulet (memory store)",
    durability: "none (memory)",
    usesDataDir: false,
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
  minimalDurable: {
    id: "minimalDurable",
    label: "minimal durable node:http server",
    durability: "O_DSYNC write before ack, group commit (one preallocated file, no routing)",
    usesDataDir: true,
  },
};

export interface ServerArgs {
  readonly dataDir: string;
  /** Rivulet only. */
  readonly durability: string;
  /** Rivulet only. */
  readonly logLevel: string;
  /** Webhooks may reach receivers on this machine (127.0.0.1): Rivulet's allow-list, the reference's switch. */
  readonly webhooks: boolean;
  /** Rivulet only: a config file. */
  readonly configFile?: string | undefined;
}

/** What Rivulet lets webhooks reach when `webhooks` is on (PROTOCOL §12.8: loopback is refused by default). */
const LOCAL_WEBHOOKS = "127.0.0.1,localhost";

/** node arguments that start the server (relative to the repository root). */
export function serverArgs(id: ServerId, args: ServerArgs): string[] {
  switch (id) {
    case "rivulet":
      return [...rivulet(args), "--data-dir", args.dataDir, "--durability", args.durability];
    case "rivuletMemory":
      return [...rivulet(args), "--store", "memory"];
    case "refFile":
      return ["bench/src/servers/reference-server.mjs", "--data-dir", args.dataDir, ...referenceWebhooks(args)];
    case "refMemory":
      return ["bench/src/servers/reference-server.mjs", ...referenceWebhooks(args)];
    case "trivial":
      return ["bench/src/servers/trivial-server.mjs"];
    case "minimalDurable":
      return ["bench/src/servers/minimal-durable-server.mjs", "--data-dir", args.dataDir];
  }
}

function rivulet(args: ServerArgs): string[] {
  const webhooks = args.webhooks ? ["--webhook-allow", LOCAL_WEBHOOKS] : [];
  const config = args.configFile ? ["--config", args.configFile] : [];
  return ["packages/cli/bin/rivulet.js", "serve", "--port", "0", "--log-level", args.logLevel, ...webhooks, ...config];
}

function referenceWebhooks(args: ServerArgs): string[] {
  return args.webhooks ? ["--webhooks"] : [];
}
