/**
 * A record's own offsets from what an append answers. An append answers the tail after it
 * (`Stream-Next-Offset`); a Rivulet offset is `<generation>_<position>`, the position a byte
 * position in the stream's stored form, where each JSON message is its text followed by ",\n"
 * (@rivulet/protocol's JSON framing, PROTOCOL §9.1). So a record's start is the tail minus the
 * stored size of itself and of the records after it in the same append — the computation the
 * server's produce endpoint makes for its answers.
 */

const OFFSET = /^(\d{16})_(\d{16})$/;
/** What the store adds to each JSON message: ",\n". */
const SEPARATOR_BYTES = 2;

export interface RecordOffsets {
  offset: string | undefined;
  nextOffset: string | undefined;
}

/**
 * `tail`: the append's `Stream-Next-Offset`; `bytesFromHere`: encoded bytes of the record and
 * every later record of the append; `recordsFromHere`: how many those are; `ownBytes`: the
 * record's.
 */
export function recordOffsets(
  tail: string | undefined,
  bytesFromHere: number,
  recordsFromHere: number,
  ownBytes: number,
): RecordOffsets {
  const match = tail === undefined ? null : OFFSET.exec(tail);
  if (match === null) return { offset: undefined, nextOffset: undefined };
  const start = Number(match[2]) - bytesFromHere - SEPARATOR_BYTES * recordsFromHere;
  if (start < 0) return { offset: undefined, nextOffset: undefined };
  const format = (position: number) => `${match[1]}_${String(position).padStart(16, "0")}`;
  return { offset: format(start), nextOffset: format(start + ownBytes + SEPARATOR_BYTES) };
}

/**
 * The boundaries of records stored back to back from `first` to `next` (a produce answer's
 * share: `Produce-Answer: partitions`), each taking its encoded bytes and ",\n": n + 1 offsets,
 * record k spanning [k, k + 1). Undefined when the lengths do not add up to the share's span
 * (the server stored other envelopes than the client built): then only its ends are known.
 */
export function shareBoundaries(
  first: string | undefined,
  next: string | undefined,
  bytes: readonly number[],
): string[] | undefined {
  const start = first === undefined ? null : OFFSET.exec(first);
  const end = next === undefined ? null : OFFSET.exec(next);
  if (start === null || end === null || start[1] !== end[1]) return undefined;
  let position = Number(start[2]);
  const boundaries = [first!];
  for (const length of bytes) {
    position += length + SEPARATOR_BYTES;
    boundaries.push(`${start[1]}_${String(position).padStart(16, "0")}`);
  }
  return position === Number(end[2]) ? boundaries : undefined;
}
