/**
 * Fork resolution (PROTOCOL §4.2): find the source, check content type, and turn
 * `Stream-Fork-Offset` + `Stream-Fork-Sub-Offset` into one divergence position. A fork also
 * takes over its source's record state there: its seqs continue the source's, its times never
 * go below the source's, and it starts at the source's earliest retained position.
 */
import {
  contentTypesMatch,
  type ForkOrigin,
  forkLifetime,
  isJsonContentType,
  type Lifetime,
  messagesLength,
  ProtocolError,
  parsePosition,
  type Retention,
} from "@rivulet/protocol";
import type { Inherited } from "../store/types.js";
import { checkRetained } from "./earliest.js";
import { type IndexReads, messageAt } from "./positions.js";
import { readRange } from "./reader.js";
import type { StreamState } from "./stream-state.js";

/**
 * What resolving a fork needs of the engine: the source as a client would see it (on a shared
 * store, brought up to what other servers acknowledged first), its bytes and its index.
 */
export interface ForkSources extends IndexReads {
  current(path: string, touch: boolean): Promise<StreamState>;
}

/** The parts of a create request a fork is resolved from. */
export interface ForkCreate {
  readonly contentType: string | undefined;
  readonly lifetime: Lifetime;
  readonly retention: Retention;
  readonly fork: ForkRequest | undefined;
}

export interface ForkRequest {
  readonly source: string;
  /** The offset token as sent; undefined means the source's current tail. */
  readonly offset: string | undefined;
  readonly subOffset: number;
}

export interface ResolvedFork {
  readonly contentType: string;
  readonly lifetime: Lifetime;
  readonly retention: Retention;
  readonly origin: ForkOrigin;
  readonly inherited: Inherited;
}

export async function resolveFork(
  engine: ForkSources,
  request: ForkCreate,
  existingTarget: StreamState | undefined,
): Promise<ResolvedFork> {
  const fork = request.fork!;
  const source = await findSource(engine, fork.source);
  if (request.contentType !== undefined && !contentTypesMatch(request.contentType, source.contentType)) {
    throw new ProtocolError(
      "CONTENT_TYPE_MISMATCH",
      `Content-Type ${request.contentType} differs from the source's ${source.contentType}`,
    );
  }
  const repeated = repeatedForkPosition(fork, existingTarget);
  const anchor = repeated ?? anchorPosition(fork, source);
  // A fork reads its source from its fork position down: data retained away cannot be forked.
  if (repeated === undefined) checkRetained(source, anchor);
  const position = repeated ?? anchor + (await subOffsetLength(engine, source, anchor, fork.subOffset));
  const at = await messageAt(engine, source, position);
  return {
    contentType: source.contentType,
    lifetime: forkLifetime(source.meta.lifetime, request.lifetime),
    retention: forkRetention(source.meta.retention, request.retention),
    origin: { source: fork.source, position },
    inherited: { earliest: Math.min(source.earliest, position), seq: at.seq, ts: at.ts ?? source.lastTs },
  };
}

/**
 * Like a TTL (§4.2 table), a fork without retention settings of its own takes its source's:
 * a fork that kept everything would keep its source's data forever too.
 */
function forkRetention(source: Retention, requested: Retention): Retention {
  return requested.ms !== undefined || requested.bytes !== undefined ? requested : source;
}

async function findSource(engine: ForkSources, path: string): Promise<StreamState> {
  try {
    return await engine.current(path, false);
  } catch (error) {
    if (error instanceof ProtocolError && error.code === "STREAM_NOT_FOUND") {
      throw new ProtocolError("FORK_SOURCE_NOT_FOUND", `Fork source not found: ${path}`);
    }
    if (error instanceof ProtocolError && error.code === "STREAM_GONE") {
      throw new ProtocolError("FORK_SOURCE_DELETED", `Fork source was deleted: ${path}`);
    }
    throw error;
  }
}

/** A repeated PUT naming no offset matches the fork it already made, wherever the source's tail is now. */
function repeatedForkPosition(fork: ForkRequest, existingTarget: StreamState | undefined): number | undefined {
  const existing = existingTarget?.meta.fork;
  if (fork.offset === undefined && fork.subOffset === 0 && existing?.source === fork.source) return existing.position;
  return undefined;
}

function anchorPosition(fork: ForkRequest, source: StreamState): number {
  if (fork.offset === undefined) return source.tail;
  const position = parsePosition(fork.offset);
  if (position === undefined) {
    throw new ProtocolError("INVALID_FORK_OFFSET", `Malformed Stream-Fork-Offset: ${JSON.stringify(fork.offset)}`);
  }
  if (position > source.tail) {
    throw new ProtocolError("FORK_OFFSET_BEYOND_TAIL", "Stream-Fork-Offset is beyond the source stream's tail");
  }
  return position;
}

/** §4.2: sub-offsets count messages on JSON streams and bytes on all others. */
async function subOffsetLength(
  engine: ForkSources,
  source: StreamState,
  anchor: number,
  subOffset: number,
): Promise<number> {
  if (subOffset === 0) return 0;
  if (!isJsonContentType(source.contentType)) {
    if (anchor + subOffset > source.tail) throw overshoot();
    return subOffset;
  }
  const stored = concat(await readRange(engine, source, anchor, source.tail));
  const length = messagesLength(stored, subOffset);
  if (length === undefined) throw overshoot();
  return length;
}

function overshoot(): ProtocolError {
  return new ProtocolError("INVALID_FORK_SUB_OFFSET", "Stream-Fork-Sub-Offset names a position past the source's data");
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
