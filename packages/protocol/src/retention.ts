/**
 * Retention (docs/extensions.md, "Retention"): how much of a stream's head a server may drop
 * while the stream goes on (PROTOCOL §4 allows retention policies). Pure parsing and
 * comparison; which bytes go is the server's decision, in whole storage units.
 */
import { ProtocolError } from "./errors.js";

export interface Retention {
  /** Messages appended longer ago than this may be dropped. */
  readonly ms?: number;
  /** The head may be dropped while at least this many bytes remain. */
  readonly bytes?: number;
}

// The integer grammar of Stream-TTL (§5.1): decimal, no sign, no leading zeros.
const INTEGER_PATTERN = /^(0|[1-9]\d*)$/;

function parseAmount(name: string, raw: string): number {
  const value = INTEGER_PATTERN.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw new ProtocolError("INVALID_RETENTION", `${name} must be a non-negative integer: ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Stream-Retention-Ms and Stream-Retention-Bytes of a PUT; absent headers set nothing. */
export function parseRetention(ms: string | undefined, bytes: string | undefined): Retention {
  const retention: { ms?: number; bytes?: number } = {};
  if (ms !== undefined) retention.ms = parseAmount("Stream-Retention-Ms", ms);
  if (bytes !== undefined) retention.bytes = parseAmount("Stream-Retention-Bytes", bytes);
  return retention;
}

export function retentionsEqual(a: Retention, b: Retention): boolean {
  return a.ms === b.ms && a.bytes === b.bytes;
}

/** What applies to a stream: its own settings, each falling back to the server's default. */
export function effectiveRetention(own: Retention, defaults: Retention): Retention {
  const ms = own.ms ?? defaults.ms;
  const bytes = own.bytes ?? defaults.bytes;
  return { ...(ms === undefined ? {} : { ms }), ...(bytes === undefined ? {} : { bytes }) };
}

const PATCH_KEYS = { retention_ms: "ms", retention_bytes: "bytes" } as const;

/**
 * Applies a JSON merge patch (RFC 7396) of `{"retention_ms", "retention_bytes"}` to a stream's
 * own retention: a number sets it, `null` removes it (the server default applies again).
 */
export function patchRetention(current: Retention, patch: unknown): Retention {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    throw new ProtocolError("BAD_REQUEST", "The patch must be a JSON object");
  }
  const next: { ms?: number; bytes?: number } = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in PATCH_KEYS)) {
      throw new ProtocolError(
        "BAD_REQUEST",
        `Unknown setting ${JSON.stringify(key)}: only retention_ms and retention_bytes can be changed`,
      );
    }
    const field = PATCH_KEYS[key as keyof typeof PATCH_KEYS];
    if (value === null) delete next[field];
    else if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) next[field] = value;
    else throw new ProtocolError("INVALID_RETENTION", `${key} must be a non-negative integer or null`);
  }
  return next;
}
