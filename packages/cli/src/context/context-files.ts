/**
 * The contexts on disk, in the config directory (config-dir.ts):
 *
 * - `contexts.json`: `{"current": "prod", "contexts": {"prod": {"url": "https://…"}}}`;
 * - `tokens.json`: `{"prod": "…"}`, mode 0600 (only the user reads it), so the context list
 *   can be shown, copied or shared without its secrets.
 *
 * Each is replaced whole (written beside, then renamed), so a crash leaves the old or the new
 * file, never half of one. The directory is made mode 0700.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliError } from "../failure.js";
import { type Contexts, EMPTY_CONTEXTS } from "./contexts.js";

export const CONTEXTS_FILE = "contexts.json";
export const TOKENS_FILE = "tokens.json";

export function loadContexts(dir: string): Contexts {
  const listed = readJson(join(dir, CONTEXTS_FILE));
  const tokens = readJson(join(dir, TOKENS_FILE));
  if (listed === undefined) return EMPTY_CONTEXTS;
  const current = listed.current;
  const entries = isObject(listed.contexts) ? listed.contexts : {};
  const urls: Record<string, string> = {};
  for (const [name, entry] of Object.entries(entries)) {
    if (isObject(entry) && typeof entry.url === "string") urls[name] = entry.url;
  }
  const kept: Record<string, string> = {};
  for (const [name, token] of Object.entries(tokens ?? {})) if (typeof token === "string") kept[name] = token;
  return { current: typeof current === "string" && current in urls ? current : null, urls, tokens: kept };
}

export function saveContexts(dir: string, contexts: Contexts): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const entries = Object.fromEntries(Object.entries(contexts.urls).map(([name, url]) => [name, { url }]));
  writeWhole(join(dir, CONTEXTS_FILE), { current: contexts.current, contexts: entries }, 0o644);
  writeWhole(join(dir, TOKENS_FILE), contexts.tokens, 0o600);
}

function writeWhole(path: string, value: unknown, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode });
  // The umask may have narrowed the mode, never widened it; chmod makes it exact either way.
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}

function readJson(path: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CliError("CONFIG_INVALID", `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError("CONFIG_INVALID", `${path} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isObject(value)) throw new CliError("CONFIG_INVALID", `${path} does not hold a JSON object`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
