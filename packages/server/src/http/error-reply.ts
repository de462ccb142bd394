/** Errors as replies: the one place an error becomes a status, headers and a JSON body. */
import { type ErrorCode, Header, ProtocolError } from "@rivulet/protocol";
import { storeError } from "../engine/store-errors.js";
import { StoreError } from "../store/errors.js";
import type { HttpReply } from "./exchange.js";

const encoder = new TextEncoder();

/** Codes of requests refused by a limit or by access control: counted, and never logged as failures. */
export const REFUSALS = new Set<ErrorCode>([
  "UNAUTHORIZED",
  "FORBIDDEN",
  "RATE_LIMITED",
  "TOO_MANY_CONNECTIONS",
  "STREAM_LIMIT_REACHED",
  "PAYLOAD_TOO_LARGE",
  "MESSAGE_TOO_LARGE",
  "TOO_MANY_TRANSACTION_ITEMS",
  "PATH_TOO_LONG",
  "INVALID_PATH",
  "REQUEST_TIMEOUT",
  "HEADERS_TOO_LARGE",
]);

/** The reply for an error: its status, the headers the spec requires, and `{error:{code,message}}`. */
export function errorReply(error: unknown): HttpReply {
  // A store failure that reached here unconverted keeps its code and Retry-After (a lookup or
  // listing the database could not answer is a retryable 503, not a 500).
  const failure =
    error instanceof ProtocolError
      ? error
      : error instanceof StoreError
        ? (storeError(error) as ProtocolError)
        : new ProtocolError("INTERNAL", "Internal server error", {}, { cause: error });
  return {
    status: failure.status,
    headers: { ...failure.headers, [Header.contentType]: "application/json" },
    body: [encoder.encode(JSON.stringify(failure.toBody()))],
  };
}

/** Store conditions the store's own events log (with the file and position): not logged again per request. */
const STORE_REPORTED = new Set<ErrorCode>([
  "INSUFFICIENT_STORAGE",
  "TOO_MANY_OPEN_FILES",
  "DATA_CORRUPTED",
  "STORE_UNAVAILABLE",
]);

/** Whether a failed request is worth an error log line: server faults, not refusals or store conditions. */
export function isServerFault(error: unknown, status: number): boolean {
  if (status < 500) return false;
  if (!(error instanceof ProtocolError)) return true;
  return !REFUSALS.has(error.code) && !STORE_REPORTED.has(error.code);
}

export function describeError(error: unknown): object {
  return error instanceof Error
    ? { type: error.name, message: error.message, stack: error.stack }
    : { value: String(error) };
}
