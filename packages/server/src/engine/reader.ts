/**
 * Reads: bounded chunks cut at message boundaries (PROTOCOL §5.6), stitched across fork
 * boundaries (§4.2). An offset maps straight to a stored position, so no read scans.
 */
import { formatOffset, isJsonContentType, mediaType, ProtocolError } from "@rivulet/protocol";
import type { StreamState } from "./stream-state.js";

/** What reads need of the engine: streams whatever their state (fork sources), and stored bytes. */
export interface StreamReads {
  stream(path: string): Promise<StreamState | undefined>;
  readStored(stream: StreamState, start: number, end: number): Promise<Uint8Array>;
  /** A hint that `readStored` of exactly [start, end) will likely follow soon. */
  readAhead?(stream: StreamState, start: number, end: number): void;
}

export interface ReadChunk {
  /** Stored bytes of [start, end), in pieces. */
  readonly parts: Uint8Array[];
  readonly start: number;
  readonly end: number;
  /** The chunk reaches the tail as it was when the read began. */
  readonly upToDate: boolean;
  /** The stream was closed and the chunk reaches its final offset: EOF. */
  readonly closed: boolean;
}

const NEWLINE = 0x0a;

/**
 * `readAhead`: the caller is a reader catching up, whose next request most likely starts where
 * this chunk ends; the store may start reading that next chunk now.
 */
export async function readChunk(
  engine: StreamReads,
  stream: StreamState,
  start: number,
  maxBytes: number,
  readAhead = false,
): Promise<ReadChunk> {
  const tail = stream.tail;
  const closed = stream.closed;
  if (start > tail) {
    throw new ProtocolError("INVALID_OFFSET", `Offset ${formatOffset(start)} is beyond the tail ${formatOffset(tail)}`);
  }
  const json = isJsonContentType(stream.contentType);
  // The byte before a JSON read's start is read with the chunk: one store read, not two.
  const lead = boundaryCheck(stream, start) ? 1 : 0;
  let limit = maxBytes;
  for (;;) {
    const end = Math.min(tail, start + limit);
    const parts = await readRange(engine, stream, start - lead, end);
    if (lead) dropBoundary(parts, start);
    const cut = end === tail ? end : cutPoint(parts, start, end, json, stream.contentType);
    if (cut > start || end === tail) {
      const trimmed = cut === end ? parts : trimParts(parts, cut - start);
      if (readAhead) readNextAhead(engine, stream, cut, maxBytes, tail);
      return { parts: trimmed, start, end: cut, upToDate: cut === tail, closed: closed && cut === tail };
    }
    // One message larger than the chunk size: widen until it fits (bounded by the body limit).
    limit *= 2;
  }
}

/**
 * Hints the store that the chunk a reader catching up asks for next, the one starting at
 * `position`, will be read soon: exactly the range `readChunk` reads for it, [position,
 * position + maxBytes) and, on a JSON stream, the byte before it.
 */
function readNextAhead(
  engine: StreamReads,
  stream: StreamState,
  position: number,
  maxBytes: number,
  tail = stream.tail,
): void {
  const from = position - (boundaryCheck(stream, position) ? 1 : 0);
  if (position < tail && from >= stream.base) engine.readAhead?.(stream, from, Math.min(tail, position + maxBytes));
}

/**
 * A JSON read must start where a message does: every stored message (a compacted hole too) ends
 * in a newline, so the byte before `start` is one. An offset inside a message is not one the
 * server ever handed out; reading from it would serve a broken JSON array (PROTOCOL §9.1.1).
 */
export async function requireMessageStart(engine: StreamReads, stream: StreamState, start: number): Promise<void> {
  if (!boundaryCheck(stream, start)) return;
  const [before] = await readRange(engine, stream, start - 1, start);
  if (before?.[0] !== NEWLINE) throw notAtBoundary(start);
}

/** Whether a read from `start` must check the byte before it (requireMessageStart). */
function boundaryCheck(stream: StreamState, start: number): boolean {
  if (!isJsonContentType(stream.contentType) || start <= stream.earliest || start >= stream.tail) return false;
  return !stream.live?.beganAppend(start);
}

/** Checks and removes the byte before `start` from the front of `parts`. */
function dropBoundary(parts: Uint8Array[], start: number): void {
  const first = parts[0];
  if (first?.[0] !== NEWLINE) throw notAtBoundary(start);
  if (first.length === 1) parts.shift();
  else parts[0] = first.subarray(1);
}

function notAtBoundary(start: number): ProtocolError {
  return new ProtocolError("INVALID_OFFSET", `Offset ${formatOffset(start)} is not at a message boundary`);
}

/** Stored bytes [start, end) of `stream`, reading inherited positions from the fork source. */
export async function readRange(
  engine: StreamReads,
  stream: StreamState,
  start: number,
  end: number,
): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  let from = start;
  if (from < stream.base && stream.meta.fork) {
    const source = await engine.stream(stream.meta.fork.source);
    if (!source) throw new ProtocolError("INTERNAL", `Fork source ${stream.meta.fork.source} is missing`);
    parts.push(...(await readRange(engine, source, from, Math.min(end, stream.base))));
    from = stream.base;
  }
  if (end > from) {
    // Bytes still in memory from their append need no checksum check; those from disk get one.
    parts.push(stream.live?.recall(from, end) ?? (await engine.readStored(stream, from, end)));
  }
  return parts;
}

/** Where to end a chunk that stops before the tail: a message boundary (JSON) or a character boundary (text). */
function cutPoint(parts: Uint8Array[], start: number, end: number, json: boolean, contentType: string): number {
  if (json) {
    let offset = end;
    for (let i = parts.length - 1; i >= 0; i--) {
      const part = parts[i]!;
      offset -= part.length;
      const nl = part.lastIndexOf(NEWLINE);
      if (nl !== -1) return offset + nl + 1;
    }
    return start;
  }
  if (mediaType(contentType).startsWith("text/")) return end - utf8Overhang(parts[parts.length - 1]);
  return end;
}

/** Bytes at the end of `part` that begin a UTF-8 character not completed within it. */
function utf8Overhang(part: Uint8Array | undefined): number {
  if (!part) return 0;
  for (let back = 1; back <= Math.min(3, part.length); back++) {
    const byte = part[part.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const width = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return width > back ? back : 0;
  }
  return 0;
}

function trimParts(parts: Uint8Array[], length: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let left = length;
  for (const part of parts) {
    if (left <= 0) break;
    out.push(part.length <= left ? part : part.subarray(0, left));
    left -= part.length;
  }
  return out;
}
