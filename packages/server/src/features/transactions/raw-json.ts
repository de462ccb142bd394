/**
 * Where each item's `body` is in a transaction's bytes. Item bodies are appended exactly as
 * the client sent them, as a POST body would be: parsing and re-serializing them would change
 * what JSON.parse cannot represent (integers past 2^53, `1.0`). Pure; the body is already known
 * to be valid JSON (JSON.parse accepted it), so the walk checks nothing.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const decoder = new TextDecoder();

/** Byte spans [start, end) of `items[i].body`, by item index; the last of duplicate keys wins, as in JSON.parse. */
export function itemBodySpans(bytes: Uint8Array): Map<number, readonly [number, number]> {
  const spans = new Map<number, readonly [number, number]>();
  const start = skipWhitespace(bytes, bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0);
  if (bytes[start] !== OPEN_BRACE) return spans;
  members(bytes, start, (key, at) => {
    if (key !== "items" || bytes[at] !== OPEN_BRACKET) return skipValue(bytes, at);
    spans.clear();
    return elements(bytes, at, (index, element) => {
      if (bytes[element] !== OPEN_BRACE) return skipValue(bytes, element);
      return members(bytes, element, (field, value) => {
        const end = skipValue(bytes, value);
        if (field === "body") spans.set(index, [value, end]);
        return end;
      });
    });
  });
  return spans;
}

/** Calls `member` with each key of the object at `at` and where its value starts; returns where the object ends. */
function members(bytes: Uint8Array, at: number, member: (key: string, value: number) => number): number {
  let i = skipWhitespace(bytes, at + 1);
  while (bytes[i] !== CLOSE_BRACE) {
    const keyEnd = skipString(bytes, i);
    const key = JSON.parse(decoder.decode(bytes.subarray(i, keyEnd))) as string;
    i = skipWhitespace(bytes, keyEnd);
    if (bytes[i] === COLON) i = skipWhitespace(bytes, i + 1);
    i = skipWhitespace(bytes, member(key, i));
    if (bytes[i] === COMMA) i = skipWhitespace(bytes, i + 1);
  }
  return i + 1;
}

/** Calls `element` with each element of the array at `at`; returns where the array ends. */
function elements(bytes: Uint8Array, at: number, element: (index: number, value: number) => number): number {
  let i = skipWhitespace(bytes, at + 1);
  for (let index = 0; bytes[i] !== CLOSE_BRACKET; index++) {
    i = skipWhitespace(bytes, element(index, i));
    if (bytes[i] === COMMA) i = skipWhitespace(bytes, i + 1);
  }
  return i + 1;
}

function skipValue(bytes: Uint8Array, at: number): number {
  const c = bytes[at];
  if (c === QUOTE) return skipString(bytes, at);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (let i = at; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === QUOTE) i = skipString(bytes, i) - 1;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
      else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --depth === 0) return i + 1;
    }
    return bytes.length;
  }
  // A number, true, false or null: up to the next delimiter.
  let i = at;
  while (i < bytes.length && !isDelimiter(bytes[i]!)) i++;
  return i;
}

function skipString(bytes: Uint8Array, at: number): number {
  for (let i = at + 1; i < bytes.length; i++) {
    if (bytes[i] === BACKSLASH) i++;
    else if (bytes[i] === QUOTE) return i + 1;
  }
  return bytes.length;
}

function isDelimiter(c: number): boolean {
  return c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isWhitespace(c);
}

function isWhitespace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWhitespace(bytes: Uint8Array, at: number): number {
  let i = at;
  while (i < bytes.length && isWhitespace(bytes[i])) i++;
  return i;
}
