/**
 * Point-in-time lookups (docs/extensions.md, "Point in time"): `HEAD {stream}?at=<time>` names
 * the first message appended at or after a time, given as ms since the epoch or RFC 3339.
 */
import { ProtocolError } from "./errors.js";
import { parseRfc3339 } from "./expiry.js";

const MILLIS_PATTERN = /^(0|[1-9]\d*)$/;

export function parseAt(raw: string): number {
  const time = MILLIS_PATTERN.test(raw) ? Number(raw) : parseRfc3339(raw);
  if (time === undefined || !Number.isSafeInteger(time) || time < 0) {
    throw new ProtocolError("INVALID_AT", `at must be ms since the epoch or an RFC 3339 time: ${JSON.stringify(raw)}`);
  }
  return time;
}
