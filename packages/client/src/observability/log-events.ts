/**
 * Events as structured log lines: `logEvents(logger)` is an `onEvent` hook that gives each
 * event a level, a one-line message and flat fields, and hands them to any logger with
 * level methods (console, or a small adapter for pino and the like). Fields never hold
 * request or response headers, so tokens stay out of logs.
 */
import type { ClientEventBody } from "./events.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Any logger with level methods; `console` is one. */
export type EventLogger = Record<LogLevel, (message: string, fields: Record<string, unknown>) => void>;

export interface LogEventsOptions {
  /** The least severe level logged (default `"info"`: requests, retries, switches, failures). */
  level?: LogLevel;
}

export interface LogEntry {
  level: LogLevel;
  message: string;
  /** `event` (the type), `timestamp`, and the event's own values; an error as `errorCode` and `errorMessage`. */
  fields: Record<string, unknown>;
}

const SEVERITY: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** An `onEvent` hook; it also takes events made outside the client, without a timestamp. */
export type LogHook = (event: ClientEventBody & { timestamp?: number }) => void;

export function logEvents(logger: EventLogger, options: LogEventsOptions = {}): LogHook {
  const least = SEVERITY[options.level ?? "info"];
  return (event) => {
    const entry = logEntry(event);
    if (SEVERITY[entry.level] >= least) logger[entry.level](entry.message, entry.fields);
  };
}

/** An event's level, message and fields (events made outside the client may lack a timestamp). */
export function logEntry(event: ClientEventBody & { timestamp?: number }): LogEntry {
  const { type, timestamp, error, ...values } = event as typeof event & { error?: unknown };
  const fields: Record<string, unknown> = { event: type, timestamp: timestamp ?? Date.now(), ...values };
  if ("error" in event) {
    fields.errorCode = errorCode(error);
    fields.errorMessage = error instanceof Error ? error.message : String(error);
  }
  const [level, message] = describe(event);
  return { level, message, fields };
}

function describe(event: ClientEventBody): [LogLevel, string] {
  switch (event.type) {
    case "request:start":
      return ["debug", `${event.method} ${event.url} (attempt ${event.attempt})`];
    case "request:end":
      return ["info", `${event.method} ${event.url} -> ${event.status} (${event.durationMs} ms)`];
    case "request:error":
      return ["warn", `${event.method} ${event.url} -> ${event.error.code} (${event.durationMs} ms)`];
    case "request:aborted":
      return ["debug", `${event.method} ${event.url} called off (${event.durationMs} ms)`];
    case "batch:received": {
      const size = event.items === undefined ? `${event.bytes} bytes` : `${event.items} items`;
      return ["debug", `received ${size} up to ${event.offset} (${event.mode})`];
    }
    case "reconnect":
      return [
        "warn",
        `retrying in ${Math.round(event.delayMs)} ms (attempt ${event.attempt}) after ${event.error.code}`,
      ];
    case "fallback":
      return ["warn", `switching from ${event.from} to ${event.to} (${event.reason})`];
    case "producer:batch-sent":
      return ["debug", `producer ${stamp(event)}: ${event.items} items sent`];
    case "producer:duplicate":
      return ["info", `producer ${stamp(event)}: already written`];
    case "producer:batch-failed":
      return ["error", `producer ${stamp(event)}: failed with ${event.error.code}`];
    case "consumer:checkpoint":
      return ["debug", `checkpoint ${event.key} at ${event.offset}`];
    case "consumer:skipped":
      return [
        "warn",
        `consumer ${event.key} skipped ${event.messages === undefined ? "" : `${event.messages} messages `}from ${event.from} to ${event.to} after ${errorCode(event.error)}`,
      ];
    case "consumer:restart":
      return [
        "warn",
        `consumer ${event.key} restarting in ${Math.round(event.delayMs)} ms (attempt ${event.attempt}) after ${errorCode(event.error)}`,
      ];
  }
}

/** A StreamError's code, else the error's name. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.name : typeof error;
}

function stamp(event: { producerId: string; epoch: number; seq: number }): string {
  return `${event.producerId} epoch ${event.epoch} seq ${event.seq}`;
}
