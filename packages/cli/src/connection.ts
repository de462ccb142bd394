/**
 * The options every client command shares (where the server is, how to authenticate, how
 * long to wait, how often to retry, how much to say) and the client handle built from them.
 */
import { type ClientOptions, DurableStream, type EventHook, logEvents } from "@rivulet/client";
import { type Command, Option } from "commander";
import { connectionFromContext, type ValueSource } from "./context/apply.js";
import { configDir } from "./context/config-dir.js";
import { loadContexts } from "./context/context-files.js";
import { collectHeader, parseCount } from "./option-parsers.js";
import { DEFAULT_SERVER_URL, streamUrl } from "./stream-url.js";
import { parseDuration } from "./units.js";

export interface ConnectionFlags {
  url: string;
  header?: [string, string][];
  token?: string;
  timeout: number;
  retries: number;
  verbose?: boolean;
  context?: string;
}

export const DEFAULT_RETRIES = 3;

export interface ConnectionOptionNames {
  /** The flag for extra request headers (`produce` keeps --header for record headers). */
  header?: string;
}

export function addConnectionOptions(command: Command, names: ConnectionOptionNames = {}): Command {
  return command
    .addOption(
      new Option("--url <url>", "server URL or stream root (see rivulet --help)")
        .env("RIVULET_URL")
        .default(DEFAULT_SERVER_URL),
    )
    .addOption(
      new Option(
        `${names.header ?? "-H, --header"} <header>`,
        'extra request header "Name: value" (repeatable)',
      ).argParser(collectHeader),
    )
    .addOption(new Option("--token <token>", "send Authorization: Bearer <token>").env("RIVULET_TOKEN"))
    .addOption(
      new Option("--timeout <duration>", "longest time one operation may take, retries included")
        .argParser(parseDuration)
        .default(30_000, "30s"),
    )
    .addOption(
      new Option("--retries <n>", "retries of a failed request that is safe to repeat")
        .argParser(parseCount)
        .default(DEFAULT_RETRIES),
    )
    .addOption(
      new Option("--context <name>", "take --url and --token from this named context (see rivulet context)").env(
        "RIVULET_CONTEXT",
      ),
    )
    .option("-v, --verbose", "log every request to stderr; stack traces with errors")
    .hook("preAction", (_command, action) => applyContext(action));
}

/**
 * Fills --url and --token from the named or current context where neither a flag nor the
 * environment gave them (precedence: context/apply.ts). Runs before the action reads its flags.
 */
function applyContext(command: Command): void {
  const flags = command.opts<ConnectionFlags>();
  const resolved = connectionFromContext(loadContexts(configDir()), {
    url: flags.url,
    urlSource: command.getOptionValueSource("url") as ValueSource,
    token: flags.token,
    tokenSource: command.getOptionValueSource("token") as ValueSource,
    context: flags.context,
  });
  if (resolved.from === undefined) return;
  command.setOptionValueWithSource("url", resolved.url, "config");
  command.setOptionValueWithSource("token", resolved.token, "config");
}

/** Request headers: the bearer token first, so an explicit --header can override it. */
export function requestHeaders(flags: ConnectionFlags): Record<string, string> {
  const headers: Record<string, string> = {};
  if (flags.token !== undefined) headers.authorization = `Bearer ${flags.token}`;
  for (const [name, value] of flags.header ?? []) headers[name.toLowerCase()] = value;
  return headers;
}

/** `onEvent`: a command's own reporting (e.g. tail's reconnects), after --verbose's log. */
export function clientOptions(flags: ConnectionFlags, onEvent?: EventHook): ClientOptions {
  const options: ClientOptions = {
    headers: requestHeaders(flags),
    timeoutMs: flags.timeout,
    retry: { maxRetries: flags.retries },
  };
  const hooks = [flags.verbose ? logEvent : undefined, onEvent].filter((hook) => hook !== undefined);
  if (hooks.length > 0) {
    options.onEvent = (event) => {
      for (const hook of hooks) hook(event);
    };
  }
  return options;
}

/** A handle to the stream named (or addressed) by `stream`. */
export function streamHandle(stream: string, flags: ConnectionFlags, onEvent?: EventHook): DurableStream {
  return new DurableStream({ url: streamUrl(stream, flags.url), ...clientOptions(flags, onEvent) });
}

/**
 * --verbose: one stderr line per request, retry, mode switch and failure, from the client's
 * own event log (never headers, so never tokens).
 */
export const logEvent = logEvents(
  {
    debug: writeLine,
    info: writeLine,
    warn: writeLine,
    error: writeLine,
  },
  { level: "info" },
);

function writeLine(message: string): void {
  process.stderr.write(`rivulet: ${message}\n`);
}
