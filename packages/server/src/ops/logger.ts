/**
 * Structured logs. The server logs through this small interface; `createLogger` makes a
 * pino JSON logger. Lines carry the request id; they never carry a header value, a query
 * string (where a credential could ride) or a stream body.
 */
import { pino } from "pino";

export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
  /** Whether lines of `level` are written; absent means yes. Lets a hot path skip building a line. */
  isLevelEnabled?(level: LogLevel): boolean;
}

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const noop = () => {};
export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  isLevelEnabled: () => false,
};

/** JSON lines on stdout, written asynchronously so logging never blocks a request. */
export function createLogger(level: LogLevel, destination = 1): Logger {
  return pino(
    { level, base: { service: "rivulet" }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: destination, sync: false }),
  );
}
