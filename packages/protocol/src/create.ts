/**
 * Create and fork decisions (PROTOCOL §5.1, §4.2): idempotent "create or ensure exists".
 */
import { contentTypesMatch } from "./content-type.js";
import { ProtocolError } from "./errors.js";
import { type Lifetime, lifetimesEqual } from "./expiry.js";
import { type Retention, retentionsEqual } from "./retention.js";

export interface ForkOrigin {
  /** Path of the source stream. */
  source: string;
  /** Divergence position in the shared offset space (anchor offset plus any sub-offset). */
  position: number;
}

/** Everything that must match for a repeated PUT to succeed with 200. */
export interface StreamConfig {
  contentType: string;
  lifetime: Lifetime;
  /** The stream's own retention settings (docs/extensions.md); server defaults are not part of it. */
  retention: Retention;
  closed: boolean;
  fork: ForkOrigin | undefined;
}

export interface ExistingStream {
  config: StreamConfig;
  softDeleted: boolean;
}

/** `created` to go ahead, `exists` for an idempotent 200; throws 409 when configs differ. */
export function decideCreate(existing: ExistingStream | undefined, requested: StreamConfig): "create" | "exists" {
  if (existing === undefined) return "create";
  // §4.2: a soft-deleted path cannot be re-created while forks hold it.
  if (existing.softDeleted) {
    throw new ProtocolError("STREAM_EXISTS", "A deleted stream at this path is still referenced by forks");
  }
  const mismatch = configMismatch(existing.config, requested);
  if (mismatch) throw new ProtocolError("STREAM_EXISTS", `Stream already exists with a different ${mismatch}`);
  return "exists";
}

function configMismatch(a: StreamConfig, b: StreamConfig): string | undefined {
  if (!contentTypesMatch(a.contentType, b.contentType)) return "content type";
  if (!lifetimesEqual(a.lifetime, b.lifetime)) return "TTL or expiry";
  if (!retentionsEqual(a.retention, b.retention)) return "retention";
  // §5.1: closure status is part of the configuration.
  if (a.closed !== b.closed) return "closure status";
  if (a.fork?.source !== b.fork?.source || a.fork?.position !== b.fork?.position) return "fork origin";
  return undefined;
}

const SUB_OFFSET_PATTERN = /^(0|[1-9]\d*)$/;

/** §4.2: Stream-Fork-Sub-Offset is a non-negative decimal integer without sign or leading zeros. */
export function parseSubOffset(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const value = SUB_OFFSET_PATTERN.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw new ProtocolError(
      "INVALID_FORK_SUB_OFFSET",
      `Stream-Fork-Sub-Offset must be a non-negative integer: ${JSON.stringify(raw)}`,
    );
  }
  return value;
}
