/** `rivulet serve --config <file>`: a JSON file that fills the settings left at their defaults. */
import { readFile } from "node:fs/promises";
import {
  resolveGroupSettings,
  resolveSubscriptionSettings,
  resolveTopicSettings,
  resolveTransactionSettings,
} from "@rivulet/server";
import type { Command } from "commander";
import { usage } from "./failure.js";
import { type ServeSettings, serveOptions } from "./serve-settings.js";

/**
 * The config file's object-valued sections, each checked by the server's own resolver so a bad
 * value fails at start-up with the file named. `auth` holds the server's auth options inline
 * (tokens and JWT settings, docs/security.md); the server checks them when it builds its auth.
 */
const SECTIONS: Record<string, (value: object) => void> = {
  auth: () => {},
  groups: (value) => resolveGroupSettings(value),
  subscriptions: (value) => resolveSubscriptionSettings(value),
  transactions: (value) => resolveTransactionSettings(value, Number.MAX_SAFE_INTEGER),
  topics: (value) => resolveTopicSettings(value),
};

/**
 * Fills every setting still at its default from the JSON config file, parsed like the flag.
 * Unknown keys are an error, so a typo does not silently do nothing. Errors are usage errors:
 * this runs inside the action, where commander no longer prints its own.
 */
export async function applyConfigFile(command: Command, file: string): Promise<ServeSettings> {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw usage(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  const options = new Map(serveOptions().map((option) => [option.attributeName(), option]));
  const sections: Record<string, object> = {};
  for (const [key, value] of Object.entries(config)) {
    const resolve = SECTIONS[key];
    if (resolve) {
      sections[key] = sectionOf(value, key, file, resolve);
      continue;
    }
    const option = options.get(key);
    if (!option) throw usage(`unknown setting in ${file}: ${key}`);
    const source = command.getOptionValueSource(key);
    if (source !== "default" && source !== undefined) continue;
    if (option.isBoolean()) {
      if (typeof value !== "boolean") throw usage(`${key} in ${file} must be true or false`);
      command.setOptionValueWithSource(key, value, "config");
      continue;
    }
    const text = Array.isArray(value) ? value.join(",") : String(value);
    if (option.argChoices && !option.argChoices.includes(text)) {
      throw usage(`${key} in ${file} must be one of ${option.argChoices.join(", ")}`);
    }
    let parsed: unknown;
    try {
      parsed = option.parseArg ? option.parseArg(text, undefined) : text;
    } catch (error) {
      throw usage(`${key} in ${file}: ${(error as Error).message}`);
    }
    command.setOptionValueWithSource(key, parsed, "config");
  }
  return { ...(command.opts() as ServeSettings), ...sections };
}

function sectionOf(value: unknown, key: string, file: string, resolve: (value: object) => void): object {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw usage(`${key} in ${file} must be an object`);
  }
  try {
    resolve(value);
  } catch (error) {
    throw usage(`${(error as Error).message} (in ${file})`);
  }
  return value;
}
