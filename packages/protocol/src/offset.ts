/**
 * Offsets (PROTOCOL §8). A Rivulet offset is `<generation>_<position>`, each part 16
 * zero-padded decimal digits. `position` is the logical byte position in the stream's stored
 * form; `generation` is reserved for retention/compaction and is 0 today. Fixed width makes
 * lexicographic order equal numeric order; the shape can never collide with the `-1`/`now`
 * sentinels and contains none of `, & = ? /`. Forks share their source's offset space.
 * The shape matches what common Durable Streams clients and test suites expect.
 */
import { ProtocolError } from "./errors.js";

export const OFFSET_DIGITS = 16;
/** Largest position an offset can name: 2^53 - 1 fits in 16 digits. */
export const MAX_POSITION = Number.MAX_SAFE_INTEGER;

export const OFFSET_BEGINNING = "-1";
export const OFFSET_NOW = "now";

export type ReadOffset = { kind: "beginning" } | { kind: "now" } | { kind: "position"; position: number };

const OFFSET_PATTERN = /^(\d{16})_(\d{16})$/;
const GENERATION = "0".repeat(OFFSET_DIGITS);

// The last offset formatted: a fan-out's replies each format the same position (the stream's
// earliest offset, per reply), thousands of times in a row.
let lastPosition = Number.NaN;
let lastOffset = "";

export function formatOffset(position: number): string {
  if (position !== lastPosition) {
    lastOffset = `${GENERATION}_${position.toString().padStart(OFFSET_DIGITS, "0")}`;
    lastPosition = position;
  }
  return lastOffset;
}

/** Bytes of an offset: its generation, `_` and its position. */
export const OFFSET_BYTES = 2 * OFFSET_DIGITS + 1;
const ZERO = 0x30;

/**
 * Writes `value` (below 10^16) as 16 zero-padded decimal digits into `target` at `at`, as
 * formatOffset writes a position: in two halves of 8 digits, each small enough for integer
 * arithmetic (the records view writes two per message).
 */
export function writePositionDigits(target: Uint8Array, at: number, value: number): void {
  const high = Math.floor(value / 1e8);
  writeEight(target, at, high);
  writeEight(target, at + 8, value - high * 1e8);
}

function writeEight(target: Uint8Array, at: number, value: number): void {
  let rest = value | 0;
  for (let i = at + 7; i >= at; i--) {
    const next = (rest / 10) | 0;
    target[i] = ZERO + rest - next * 10;
    rest = next;
  }
}

/** Writes a non-negative safe integer in decimal as ASCII; returns where it ends. */
export function writeDecimal(target: Uint8Array, at: number, value: number): number {
  if (value < 1e8) {
    let digits = 1;
    for (let rest = value | 0; rest >= 10; rest = (rest / 10) | 0) digits++;
    let rest = value | 0;
    for (let i = at + digits - 1; i >= at; i--) {
      const next = (rest / 10) | 0;
      target[i] = ZERO + rest - next * 10;
      rest = next;
    }
    return at + digits;
  }
  const high = Math.floor(value / 1e8);
  const end = writeDecimal(target, at, high);
  writeEight(target, end, value - high * 1e8);
  return end + 8;
}

/** Parses a server-minted offset token; undefined when it is not one. */
export function parsePosition(token: string): number | undefined {
  const match = OFFSET_PATTERN.exec(token);
  if (!match || match[1] !== GENERATION) return undefined;
  const position = Number(match[2]);
  return position <= MAX_POSITION ? position : undefined;
}

/** Parses the `offset` query parameter; absent means the stream start (§5.6). */
export function parseReadOffset(raw: string | null | undefined): ReadOffset {
  if (raw == null || raw === OFFSET_BEGINNING) return { kind: "beginning" };
  if (raw === OFFSET_NOW) return { kind: "now" };
  const position = parsePosition(raw);
  if (position === undefined) {
    throw new ProtocolError("INVALID_OFFSET", `Malformed offset: ${JSON.stringify(raw)}`);
  }
  return { kind: "position", position };
}
