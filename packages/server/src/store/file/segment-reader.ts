/**
 * Reads one log segment (batch.ts has the framing): yields its intact batches in order, then
 * says where they end and what follows. It decides nothing: whether damage is a torn tail to
 * cut or corruption to refuse depends on where the segment stands (recovery.ts, fsck).
 */
import {
  type Batch,
  decodeBatch,
  decodeLegacyBatch,
  decodeSegmentHeader,
  isZero,
  nextIntactBatch,
  nextLegacyRecord,
  SEGMENT_HEADER,
  type SegmentHeader,
} from "./batch.js";

export interface SegmentEnd {
  readonly header: SegmentHeader;
  /** Offset just past the last intact batch before any damage. */
  readonly end: number;
  /** Bytes from `end` on that are neither an intact batch nor preallocated zeros. */
  readonly damage: Damage | undefined;
}

export interface Damage {
  readonly offset: number;
  /** Intact batches after the damage, and the records they hold. */
  readonly batchesAfter: number;
  readonly recordsAfter: number;
}

interface Framing {
  /** The intact batch at `at`, if there is one. */
  decode(at: number): Batch | undefined;
  /** The next intact batch after damage at `at`. */
  resync(at: number): Batch | undefined;
}

function framingOf(bytes: Uint8Array, header: SegmentHeader): Framing {
  if (header.version === 1) {
    return { decode: (at) => decodeLegacyBatch(bytes, at), resync: (at) => nextLegacyRecord(bytes, at) };
  }
  // A damaged header hides the salt: batches after it are still checked record by record.
  const salt = header.version === 2 ? header.salt : undefined;
  return { decode: (at) => decodeBatch(bytes, at, salt), resync: (at) => nextIntactBatch(bytes, at + 1, salt) };
}

/** The intact batches up to the first damage, then where they end and what follows. */
export function* readSegment(bytes: Uint8Array): Generator<Batch, SegmentEnd> {
  const header = decodeSegmentHeader(bytes);
  if (header.version === "empty") return { header, end: 0, damage: undefined };
  const framing = framingOf(bytes, header);
  let at = header.version === 2 ? SEGMENT_HEADER : 0;
  if (header.version !== "bad") {
    for (let batch = framing.decode(at); batch; batch = framing.decode(at)) {
      yield batch;
      at = batch.next;
    }
    if (isZero(bytes, at, bytes.length)) return { header, end: at, damage: undefined };
  }
  let batchesAfter = 0;
  let recordsAfter = 0;
  for (const batch of after(framing, at)) {
    batchesAfter++;
    recordsAfter += batch.records.length;
  }
  return { header, end: at, damage: { offset: at, batchesAfter, recordsAfter } };
}

/** Every intact batch of a segment, those after damage included (fsck salvages them). */
export function* intactBatches(bytes: Uint8Array): Generator<Batch, SegmentEnd> {
  const reader = readSegment(bytes);
  let step = reader.next();
  for (; !step.done; step = reader.next()) yield step.value;
  const end = step.value;
  if (end.damage) yield* after(framingOf(bytes, end.header), end.end);
  return end;
}

/** The intact batches after damage at `offset`, resyncing past every further damage. */
function* after(framing: Framing, offset: number): Generator<Batch> {
  for (let batch = framing.resync(offset); batch; ) {
    yield batch;
    batch = framing.decode(batch.next) ?? framing.resync(batch.next);
  }
}
