/**
 * JSON mode framing (PROTOCOL §9.1).
 *
 * Stored form: each message is its JSON text, with raw CR/LF replaced by spaces, followed by
 * ",\n". In valid JSON a raw CR or LF can only be insignificant whitespace (inside strings they
 * must be escaped), so the replacement never changes a value, and "\n" then marks every message
 * boundary. A read of any run of whole messages is `[` + stored bytes minus the final ",\n" + `]`:
 * wire format = disk format, no re-encoding on the read path.
 */
import { ProtocolError } from "./errors.js";
import { type FramedJson, mintFramedJson } from "./framed-json.js";

const NEWLINE = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const SEPARATOR = new Uint8Array([COMMA, NEWLINE]);

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Validates a JSON body and frames its messages. A top-level array is flattened exactly one
 * level (§9.1.2); any other value is one message. `[]` yields zero messages; the caller decides
 * whether that is allowed (§9.1.3: not for POST, fine for PUT).
 */
export function frameJson(body: Uint8Array): FramedJson {
  let text: string;
  try {
    text = strictUtf8.decode(body);
    JSON.parse(text);
  } catch (cause) {
    throw new ProtocolError("INVALID_JSON", `Body is not valid JSON: ${(cause as Error).message}`, {}, { cause });
  }
  const spans = jsonMessageSpans(body);
  return mintFramedJson(joinStored(body, spans), spans.length / 2);
}

/**
 * Byte spans [start, end, start, end, ...] of each message in a JSON body, trimmed of
 * whitespace: the elements of a top-level array, or the whole value. The scan tracks only
 * strings and nesting, so it assumes (but does not check) valid JSON.
 */
export function jsonMessageSpans(body: Uint8Array): number[] {
  let start = skipWhitespace(body, skipBom(body), body.length);
  const end = trimEnd(body, start, body.length);
  if (body[start] !== OPEN_BRACKET) return [start, end];

  const spans: number[] = [];
  let depth = 1;
  let inString = false;
  start += 1;
  for (let i = start; i < end; i++) {
    const c = body[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      depth++;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
      if (depth === 0) pushTrimmed(spans, body, start, i);
    } else if (c === COMMA && depth === 1) {
      pushTrimmed(spans, body, start, i);
      start = i + 1;
    }
  }
  return spans;
}

function pushTrimmed(spans: number[], body: Uint8Array, start: number, end: number): void {
  const s = skipWhitespace(body, start, end);
  const e = trimEnd(body, s, end);
  if (e > s) spans.push(s, e);
}

function joinStored(body: Uint8Array, spans: number[]): Uint8Array {
  let size = 0;
  for (let i = 0; i < spans.length; i += 2) size += spans[i + 1]! - spans[i]! + SEPARATOR.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < spans.length; i += 2) {
    const message = body.subarray(spans[i], spans[i + 1]);
    out.set(message, at);
    flattenNewlines(out, at, at + message.length);
    at += message.length;
    out.set(SEPARATOR, at);
    at += SEPARATOR.length;
  }
  return out;
}

function flattenNewlines(bytes: Uint8Array, start: number, end: number): void {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === NEWLINE || c === CR) bytes[i] = SPACE;
  }
}

function isWhitespace(c: number | undefined): boolean {
  return c === SPACE || c === NEWLINE || c === CR || c === TAB;
}

function skipBom(body: Uint8Array): number {
  return body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
}

function skipWhitespace(body: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && isWhitespace(body[i])) i++;
  return i;
}

function trimEnd(body: Uint8Array, start: number, end: number): number {
  let e = end;
  while (e > start && isWhitespace(body[e - 1])) e--;
  return e;
}

const OPEN = new Uint8Array([OPEN_BRACKET]);
const CLOSE = new Uint8Array([CLOSE_BRACKET]);
const EMPTY_ARRAY = new Uint8Array([OPEN_BRACKET, CLOSE_BRACKET]);

/**
 * The wire body for a run of stored messages, given as consecutive pieces (a read can span a
 * fork boundary), returned as parts to write in order without copying. Holes (see `isHole`)
 * are whitespace between elements; only when the run ends in one is the last real message's
 * separator found further back.
 */
export function jsonWireParts(stored: readonly Uint8Array[]): Uint8Array[] {
  const pieces = stored.filter((piece) => piece.length > 0);
  const last = pieces.pop();
  if (last === undefined) return [EMPTY_ARRAY];
  if (last.length < SEPARATOR.length) throw new RangeError("Stored JSON does not end on a message boundary");
  if (last[last.length - 2] === COMMA) {
    return [OPEN, ...pieces, last.subarray(0, last.length - SEPARATOR.length), CLOSE];
  }
  return endingInHoles([...pieces, last]);
}

/** A run whose last messages are holes: everything up to the last real message's comma. */
function endingInHoles(pieces: Uint8Array[]): Uint8Array[] {
  for (let i = pieces.length - 1; i >= 0; i--) {
    const piece = pieces[i]!;
    let at = piece.length - 1;
    while (at >= 0 && isWhitespace(piece[at])) at--;
    if (at < 0) continue;
    if (piece[at] !== COMMA) throw new RangeError("Stored JSON does not end on a message boundary");
    return [OPEN, ...pieces.slice(0, i), piece.subarray(0, at), CLOSE];
  }
  return [EMPTY_ARRAY];
}

/**
 * Holes: where a compacted stream (docs/kafka-layer.md, "Compaction") removed a message, its
 * stored bytes read as spaces ending in the newline the message ended in — as long as the
 * message was. Every position, message boundary and message count stays what it was (offsets
 * and seqs never change), a plain read shows a hole as whitespace between array elements, and
 * readers that split messages skip it. A real message never starts with whitespace (frameJson
 * trims it), so a message starting with a space is a hole.
 */
export function writeHole(bytes: Uint8Array, start: number, end: number): void {
  bytes.fill(SPACE, start, end - 1);
  bytes[end - 1] = NEWLINE;
}

/** Whether the stored message starting at `start` of `stored` is a hole. */
export function isHole(stored: Uint8Array, start: number): boolean {
  return stored[start] === SPACE;
}

/** Length of the longest prefix of `stored` that ends on a message boundary. */
export function wholeMessagesLength(stored: Uint8Array): number {
  return stored.lastIndexOf(NEWLINE) + 1;
}

/**
 * Byte length of the first `count` messages of `stored`, or undefined when it holds fewer.
 * Used to resolve a fork sub-offset (§4.2) on a JSON stream.
 */
export function messagesLength(stored: Uint8Array, count: number): number | undefined {
  let at = 0;
  for (let n = 0; n < count; n++) {
    const nl = stored.indexOf(NEWLINE, at);
    if (nl === -1) return undefined;
    at = nl + 1;
  }
  return at;
}

/** Splits stored messages into their JSON texts, holes left out (used by tests and tools). */
export function storedMessages(stored: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < stored.length) {
    const nl = stored.indexOf(NEWLINE, at);
    if (!isHole(stored, at)) out.push(stored.subarray(at, nl - 1));
    at = nl + 1;
  }
  return out;
}
