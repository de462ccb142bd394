/**
 * The records view (docs/extensions.md, "Records view"): a read answered as one record per
 * message, each with its offset, the offset after it, its seq and its append time. The bytes
 * are read as for a plain read (reader.ts, bounded chunks cut at message boundaries); seqs and
 * times come from the append index, found by binary search from the read's start. A reader
 * catching up has its next chunk read and framed ahead (records-ahead.ts), so its records read
 * waits on no more than a plain read does.
 *
 * JSON streams: every message is a record. Other streams: every append is a record; one larger
 * than a chunk, or read from a position inside it, comes in pieces that share its seq and time.
 */
import { isHole, isJsonContentType, mediaType } from "@rivulet/protocol";
import { INDEX_INTERVAL } from "../store/append-index.js";
import { releaseReadBuffers } from "../store/read-buffers.js";
import type { IndexEntry } from "../store/types.js";
import { checkRetained } from "./earliest.js";
import { type IndexReads, messageAt, source } from "./positions.js";
import { readChunk } from "./reader.js";
import { type FramedRecords, frameAhead, takeFramed } from "./records-ahead.js";
import { RecordsWriter } from "./records-writer.js";
import type { StreamState } from "./stream-state.js";

export interface RecordsChunk {
  /** The response body: the records as a JSON array, one per line. */
  readonly body: Buffer;
  /** Records in it. */
  readonly count: number;
  readonly start: number;
  readonly end: number;
  readonly upToDate: boolean;
  readonly closed: boolean;
  /** Once the body has been written or dropped: its buffer may serve another response. */
  release(): void;
}

const NEWLINE = 0x0a;
/** Index entries fetched per seek while walking a chunk. */
const ENTRY_PAGE = 1024;

/**
 * `readAhead`: the caller is a reader catching up, whose next request most likely starts where
 * these records end (not where the bytes read end: `limit` may stop short of them); those are
 * framed meanwhile (records-ahead.ts).
 */
export async function readRecords(
  engine: IndexReads,
  stream: StreamState,
  start: number,
  maxBytes: number,
  limit: number,
  readAhead = false,
): Promise<RecordsChunk> {
  // Before a chunk framed ahead is taken too: once retention passed `start`, the answer is 410.
  checkRetained(stream, start);
  const ahead = readAhead ? await takeFramed(stream, start, limit) : undefined;
  const framed = ahead ?? (await frameRecords(engine, stream, start, maxBytes, limit));
  const { records, end } = framed;
  if (readAhead) frameAhead(stream, end, (from) => frameRecords(engine, stream, from, maxBytes, limit));
  const tail = stream.tail;
  return {
    body: records.finish(),
    count: records.count,
    start,
    end,
    upToDate: end === tail,
    closed: stream.closed && end === tail,
    release: () => records.release(),
  };
}

/** Reads the chunk from `start` and writes its records. */
async function frameRecords(
  engine: IndexReads,
  stream: StreamState,
  start: number,
  maxBytes: number,
  limit: number,
): Promise<FramedRecords> {
  const chunk = await readChunk(engine, stream, start, maxBytes);
  const bytes = concat(chunk.parts);
  const entries = await entriesIn(engine, stream, start, chunk.end);
  const found = isJsonContentType(stream.contentType)
    ? await jsonRecords(engine, stream, bytes, start, entries, limit)
    : byteRecords(stream, bytes, start, !chunk.upToDate, entries, limit);
  // The body holds copies of the values: the read's pooled buffers can serve the next read now.
  // Kept, each records read took a fresh 1 MiB buffer, and collecting them was much of its cost.
  releaseReadBuffers(chunk.parts);
  const reachedTail = chunk.upToDate ? chunk.end : undefined;
  return { records: found.records, start, end: found.end, limit, reachedTail };
}

interface Found {
  readonly records: RecordsWriter;
  readonly end: number;
}

/** One record per message: each stored message is its JSON text followed by `,\n` (json.ts). */
async function jsonRecords(
  engine: IndexReads,
  stream: StreamState,
  bytes: Buffer,
  start: number,
  entries: IndexEntry[],
  limit: number,
): Promise<Found> {
  if (bytes.length === 0) return { records: new RecordsWriter(0), end: start };
  let seq = seqFromInside(bytes, start, entries);
  if (seq === undefined) seq = (await messageAt(engine, stream, start, entries[0])).seq;
  // No await from here on: `newlines` is shared by every read.
  const messages = findNewlines(bytes);
  const records = RecordsWriter.staged(bytes, messages);
  let next = 0; // the next index entry that may start at or before a message
  let ts = entries[0]?.ts ?? 0;
  let at = 0;
  // One object for every record, filled in anew each time: the writer reads it at once and
  // keeps nothing, and a fresh one per message was garbage by the hundred thousand.
  const record = { start, end: start, seq, ts };
  for (let i = 0; i < messages && records.count < limit; i++) {
    const nl = newlines[i]!;
    const position = start + at;
    while (next < entries.length && entries[next]!.position <= position) ts = entries[next++]!.ts;
    // A hole (a message compaction removed) keeps its seq but is no record. Else the value is
    // the message as stored, without its separating `,\n`.
    if (!isHole(bytes, at)) {
      record.start = position;
      record.end = start + nl + 1;
      record.seq = seq;
      record.ts = ts;
      records.addStaged(record, at, nl - 1);
    }
    seq++;
    at = nl + 1;
  }
  return { records, end: start + at };
}

/**
 * The seq of the message at `start`, counted back from the first index entry inside the chunk:
 * its seq less the messages (newlines) between `start` and it. A JSON append has an entry at
 * least every INDEX_INTERVAL bytes, so nearly every chunk holds one, and the seq then costs no
 * read: counted forward from the entry before `start` (messageAt), it took a read of the bytes
 * between them on every request, two thread-pool round trips (data, checksums) that plain
 * reads do not make and read-ahead does not hide. Undefined when the chunk holds no entry.
 */
function seqFromInside(bytes: Buffer, start: number, entries: IndexEntry[]): number | undefined {
  const end = start + bytes.length;
  for (const entry of entries) {
    if (entry.position < start) continue;
    if (entry.position >= end) return undefined;
    // Entries start messages, so the bytes before this one end in a newline.
    return entry.seq - countNewlines(bytes, entry.position - start);
  }
  return undefined;
}

function countNewlines(bytes: Buffer, before: number): number {
  let count = 0;
  for (let nl = bytes.indexOf(NEWLINE); nl !== -1 && nl < before; nl = bytes.indexOf(NEWLINE, nl + 1)) count++;
  return count;
}

/**
 * One record per append. The chunk is cut back to the last append boundary in it when one
 * whole record fits, so records are whole wherever they can be.
 */
function byteRecords(
  stream: StreamState,
  bytes: Buffer,
  start: number,
  cutShort: boolean,
  entries: IndexEntry[],
  limit: number,
): Found {
  let end = start + bytes.length;
  if (cutShort) {
    const boundary = entries.findLast((e) => e.position > start && e.position < end);
    if (boundary) end = boundary.position;
  }
  const text = mediaType(stream.contentType).startsWith("text/");
  const records = new RecordsWriter(bytes.length * (text ? 1.2 : 1.4));
  let at = start;
  for (let i = 0; i < entries.length && at < end && records.count < limit; i++) {
    const next = entries[i + 1]?.position ?? Number.POSITIVE_INFINITY;
    if (next <= at) continue;
    const to = Math.min(next, end);
    const piece = bytes.subarray(at - start, to - start);
    const value = text ? JSON.stringify(piece.toString("utf8")) : `"${piece.toString("base64")}"`;
    records.addText({ start: at, end: to, seq: entries[i]!.seq, ts: entries[i]!.ts }, value);
    at = to;
  }
  return { records, end: at };
}

/**
 * The index entries that cover [start, end) in a reader's view: the last one at or before
 * `start`, then every one before `end`, inherited ones (a fork's source's) first.
 */
async function entriesIn(engine: IndexReads, stream: StreamState, start: number, end: number): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  if (start < stream.base && stream.meta.fork) {
    out.push(...(await entriesIn(engine, await source(engine, stream), start, Math.min(end, stream.base))));
  }
  if (end <= stream.base) return out;
  let from = Math.max(start, stream.base);
  // Entries come at least every INDEX_INTERVAL bytes of a JSON append: ask for about as many as
  // the range holds, and for more only if it holds more (many small appends).
  let want = Math.min(ENTRY_PAGE, Math.ceil((end - from) / INDEX_INTERVAL) + 2);
  for (;;) {
    const page = await engine.seekStored(stream, { position: from }, want);
    for (const entry of page) {
      if (entry.position >= end) return out;
      // The seek's first entry can be one already had (a page boundary), or start past `start`.
      if (out.length > 0 && entry.position <= out.at(-1)!.position) continue;
      out.push(entry);
    }
    if (page.length < want) return out;
    from = page.at(-1)!.position + 1;
    want = Math.min(ENTRY_PAGE, want * 2);
  }
}

/** Where each message of a JSON chunk ends (its newline), in the first `count` slots; reused. */
let newlines = new Int32Array(8192);

/** Fills `newlines` with the newlines of `bytes`, which end in one; returns how many. */
function findNewlines(bytes: Buffer): number {
  let count = 0;
  for (let nl = bytes.indexOf(NEWLINE); nl !== -1; nl = bytes.indexOf(NEWLINE, nl + 1)) {
    if (count === newlines.length) {
      const grown = new Int32Array(newlines.length * 2);
      grown.set(newlines);
      newlines = grown;
    }
    newlines[count++] = nl;
  }
  return count;
}

function concat(parts: Uint8Array[]): Buffer {
  if (parts.length === 1) return Buffer.from(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.byteLength);
  return Buffer.concat(parts);
}
