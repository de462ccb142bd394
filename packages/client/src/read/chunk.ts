/**
 * What a read produces before decoding: payload pieces plus the position metadata of the
 * response (or SSE control event) that carried them. Pieces stay as received (bytes from
 * HTTP bodies and base64 SSE, text from text SSE) and are converted only when asked.
 */

export interface RawChunk {
  /**
   * Payload pieces in order. For JSON streams each piece is one complete JSON array
   * (a response body or one SSE data event), so pieces are parsed one by one.
   */
  readonly pieces: readonly (Uint8Array | string)[];
  /** Where to read next (`Stream-Next-Offset` / `streamNextOffset`). */
  readonly offset: string;
  readonly cursor: string | undefined;
  readonly upToDate: boolean;
  readonly closed: boolean;
  /** The stream's content type, when this response told it. */
  readonly contentType: string | undefined;
  /** The kind of request that delivered it, once a read session has accepted it. */
  readonly mode?: ReadMode;
}

import type { ReadMode } from "../observability/events.js";

const encoder = new TextEncoder();

export function pieceBytes(piece: Uint8Array | string): Uint8Array {
  return typeof piece === "string" ? encoder.encode(piece) : piece;
}

export function chunkBytes(chunk: RawChunk): Uint8Array {
  const parts = chunk.pieces.map(pieceBytes);
  if (parts.length === 1) return parts[0]!;
  return concatBytes(parts);
}

export function chunkByteLength(chunk: RawChunk): number {
  let total = 0;
  for (const piece of chunk.pieces) total += typeof piece === "string" ? encoder.encode(piece).length : piece.length;
  return total;
}

const EMPTY_JSON_ARRAY = /^\s*\[\s*\]\s*$/;

/**
 * Whether the chunk carries data. A JSON stream's empty read is `[]` (PROTOCOL §9.1.5),
 * which is bytes but no data; only short pieces can be that, so long ones are not decoded.
 */
export function hasPayload(chunk: RawChunk, json: boolean): boolean {
  return chunk.pieces.some((piece) => {
    if (piece.length === 0) return false;
    if (!json || piece.length > 32) return true;
    const text = typeof piece === "string" ? piece : new TextDecoder().decode(piece);
    return !EMPTY_JSON_ARRAY.test(text);
  });
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
