/**
 * The members of a JSON object as spans of its text, without parsing the values: a record's
 * value is kept byte for byte (a 64-bit id keeps every digit) while its small fields are read.
 * The scan tracks only strings and nesting, so it assumes (but does not check) valid JSON:
 * callers have parsed the text already. Pure.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const decoder = /* @__PURE__ */ new TextDecoder();

/** A member's value as [start, end) of the text, whitespace trimmed. */
export type MemberSpan = readonly [number, number];

/** Members of the object in `bytes[start, end)`, by name; undefined when it is not an object. */
export function objectMembers(bytes: Uint8Array, start: number, end: number): Map<string, MemberSpan> | undefined {
  let at = skipSpace(bytes, start, end);
  if (bytes[at] !== OPEN_BRACE) return undefined;
  const members = new Map<string, MemberSpan>();
  at = skipSpace(bytes, at + 1, end);
  while (at < end && bytes[at] !== CLOSE_BRACE) {
    const nameEnd = stringEnd(bytes, at, end);
    const name = memberName(bytes, at, nameEnd);
    at = skipSpace(bytes, nameEnd, end);
    if (bytes[at] !== COLON) return undefined;
    const valueStart = skipSpace(bytes, at + 1, end);
    const valueEnd = valueEndOf(bytes, valueStart, end);
    members.set(name, [valueStart, trimEnd(bytes, valueStart, valueEnd)]);
    at = skipSpace(bytes, valueEnd, end);
    if (bytes[at] === COMMA) at = skipSpace(bytes, at + 1, end);
  }
  return members;
}

/**
 * The span of the member `name` (an ASCII name) of the object in `bytes[start, end)` — its last
 * one, as JSON.parse keeps — or undefined when the object has none or it is not an object.
 * objectMembers without a map or a string per member: a produce request asks this of every
 * record.
 */
export function memberSpan(bytes: Uint8Array, start: number, end: number, name: string): MemberSpan | undefined {
  let at = skipSpace(bytes, start, end);
  if (bytes[at] !== OPEN_BRACE) return undefined;
  let found: MemberSpan | undefined;
  at = skipSpace(bytes, at + 1, end);
  while (at < end && bytes[at] !== CLOSE_BRACE) {
    const nameEnd = stringEnd(bytes, at, end);
    const named = nameIs(bytes, at, nameEnd, name);
    at = skipSpace(bytes, nameEnd, end);
    if (bytes[at] !== COLON) return undefined;
    const valueStart = skipSpace(bytes, at + 1, end);
    const valueEnd = valueEndOf(bytes, valueStart, end);
    if (named) found = [valueStart, trimEnd(bytes, valueStart, valueEnd)];
    at = skipSpace(bytes, valueEnd, end);
    if (bytes[at] === COMMA) at = skipSpace(bytes, at + 1, end);
  }
  return found;
}

/**
 * Whether the member name in `bytes[at, nameEnd)` (quotes included) is the ASCII `name`. As
 * long as the name, it is that name byte for byte or not at all (an escape is longer than what
 * it stands for); longer, it can be only with escapes, which are decoded.
 */
function nameIs(bytes: Uint8Array, at: number, nameEnd: number, name: string): boolean {
  const length = nameEnd - at - 2;
  if (length === name.length) {
    for (let i = 0; i < length; i++) if (bytes[at + 1 + i] !== name.charCodeAt(i)) return false;
    return true;
  }
  if (length < name.length) return false;
  for (let i = at + 1; i < nameEnd - 1; i++) {
    if (bytes[i] === BACKSLASH) return memberName(bytes, at, nameEnd) === name;
  }
  return false;
}

/**
 * The member name in `bytes[at, nameEnd)`, quotes included. Short ASCII names without escapes
 * (every envelope field) are read byte by byte; others are decoded and parsed.
 */
function memberName(bytes: Uint8Array, at: number, nameEnd: number): string {
  if (nameEnd - at <= 18) {
    let name = "";
    for (let i = at + 1; i < nameEnd - 1; i++) {
      const c = bytes[i]!;
      if (c >= 0x80 || c === BACKSLASH || c < 0x20) return JSON.parse(decoder.decode(bytes.subarray(at, nameEnd)));
      name += String.fromCharCode(c);
    }
    return name;
  }
  return JSON.parse(decoder.decode(bytes.subarray(at, nameEnd))) as string;
}

/** Just past the closing quote of the string starting at `at`. */
function stringEnd(bytes: Uint8Array, at: number, end: number): number {
  for (let i = at + 1; i < end; i++) {
    if (bytes[i] === BACKSLASH) i++;
    else if (bytes[i] === QUOTE) return i + 1;
  }
  return end;
}

/** Where the value starting at `at` ends: the next `,` or `}` outside strings and nesting. */
function valueEndOf(bytes: Uint8Array, at: number, end: number): number {
  let depth = 0;
  for (let i = at; i < end; i++) {
    const c = bytes[i];
    if (c === QUOTE) i = stringEnd(bytes, i, end) - 1;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 0) return i;
      depth--;
    } else if (c === COMMA && depth === 0) return i;
  }
  return end;
}

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(bytes: Uint8Array, at: number, end: number): number {
  let i = at;
  while (i < end && isSpace(bytes[i])) i++;
  return i;
}

function trimEnd(bytes: Uint8Array, start: number, end: number): number {
  let e = end;
  while (e > start && isSpace(bytes[e - 1])) e--;
  return e;
}
