/**
 * Segments: a stream's data, block checksums and append index are each kept in files of a fixed
 * size span (docs/storage.md, "Segments"), so retention frees disk by deleting whole files from
 * the head. Positions here are data-file positions (stream position minus the fork position).
 *
 * Segment 0 covers [0, firstEnd) and is the stream's only file in the previous formats, which
 * had no segments: a stream from then keeps its data in one segment as large as it had grown.
 * Every later segment covers `size` bytes. Both are multiples of the checksum block, so a block
 * never straddles two files.
 */
import { BLOCK_BYTES } from "./block-crc.js";

export interface SegmentLayout {
  readonly size: number;
  /** Where segment 0 ends. */
  readonly firstEnd: number;
}

export const DEFAULT_SEGMENT_BYTES = 64 << 20;

/**
 * `data`, `crc`, `idx`: a segment's bytes, block checksums and append index. `cpt`: the
 * segment's bytes once compaction rewrote it (compacted-files.ts), in place of `data` and
 * `crc`; `tmp`: one being written (never read; deleted at open).
 */
export type SegmentFileKind = "data" | "crc" | "idx" | "cpt" | "tmp";

/** One layout per (size, firstEnd): a million streams share a handful of objects. */
const layouts = new Map<string, SegmentLayout>();

export function layoutOf(size: number, firstEnd = size): SegmentLayout {
  if (size <= 0 || size % BLOCK_BYTES !== 0 || firstEnd < size || firstEnd % size !== 0) {
    throw new RangeError(`Invalid segment layout: size ${size}, first segment ending at ${firstEnd}`);
  }
  const key = `${size}:${firstEnd}`;
  let layout = layouts.get(key);
  if (!layout) {
    layout = Object.freeze({ size, firstEnd });
    if (layouts.size < 1024) layouts.set(key, layout);
  }
  return layout;
}

/** The layout for a stream of the previous formats: segment 0 holds all `length` bytes it has. */
export function legacyLayout(size: number, length: number): SegmentLayout {
  return layoutOf(size, Math.max(size, Math.ceil(length / size) * size));
}

export function segmentOf(layout: SegmentLayout, position: number): number {
  return position < layout.firstEnd ? 0 : 1 + Math.floor((position - layout.firstEnd) / layout.size);
}

export function segmentStart(layout: SegmentLayout, segment: number): number {
  return segment === 0 ? 0 : layout.firstEnd + (segment - 1) * layout.size;
}

export function segmentEnd(layout: SegmentLayout, segment: number): number {
  return layout.firstEnd + segment * layout.size;
}

/** `<id>.data` for segment 0 (the previous formats' name), `<id>.<start>.data` for later ones. */
export function segmentFileName(id: number, start: number, kind: SegmentFileKind): string {
  return start === 0 ? `${id}.${kind}` : `${id}.${start}.${kind}`;
}

/** The stream id, segment start and kind a file name in `streams/` stands for; undefined for other names. */
export function parseSegmentFileName(name: string): { id: number; start: number; kind: SegmentFileKind } | undefined {
  const match = /^(\d+)(?:\.(\d+))?\.(data|crc|idx|cpt|tmp)$/.exec(name);
  if (!match) return undefined;
  return {
    id: Number(match[1]),
    start: match[2] === undefined ? 0 : Number(match[2]),
    kind: match[3] as SegmentFileKind,
  };
}

/** Splits data-file positions [start, end) at segment boundaries. */
export function pieces(
  layout: SegmentLayout,
  start: number,
  end: number,
): Array<{ segment: number; start: number; end: number }> {
  const out: Array<{ segment: number; start: number; end: number }> = [];
  for (let at = start; at < end; ) {
    const segment = segmentOf(layout, at);
    const stop = Math.min(end, segmentEnd(layout, segment));
    out.push({ segment, start: at, end: stop });
    at = stop;
  }
  return out;
}
