/**
 * A repair cuts a stream short (fsck/salvage.ts): its append index, next seq, last time and
 * partial-block checksum are brought in line with the new tail, from what its files still hold
 * below it.
 */
import { crc32 } from "node:zlib";
import { countMessages } from "../../append-index.js";
import type { IndexEntry } from "../../types.js";
import { blockStart } from "../block-crc.js";
import type { Entry } from "../catalog.js";
import type { DataFiles } from "../data-files.js";
import { lastAtOrBefore, seekEntries } from "../index-files.js";

export async function cutIndex(data: DataFiles, entry: Entry): Promise<void> {
  const length = entry.tail - entry.base;
  const partial = blockStart(length);
  // The bytes below the cut are intact (the cut is before any damage); the old tail's checksum no longer applies.
  entry.tailCrc = length > partial ? crc32(await data.readUnchecked(entry, partial, length)) : 0;
  if (!entry.indexed) return; // rebuilt from the data at the next start
  const read = tolerantReader(data, entry);
  const slot = await lastAtOrBefore(entry.layout, entry.base, entry.counts, { read }, entry.tail - 1);
  if (!slot) {
    // Nothing left below the tail: it is the earliest position, where the first entry starts.
    const [first] = await seekEntries(entry.layout, entry.base, entry.counts, { read }, { position: entry.tail }, 1);
    entry.nextSeq = first?.seq ?? entry.meta.inherited?.seq ?? 0;
    entry.ownCounts().cutAt(entry.counts.first, 0);
    return;
  }
  const [last] = await read(slot.segment, slot.slot, 1);
  entry.ownCounts().cutAt(slot.segment, slot.slot + 1);
  let seq = last!.seq + 1;
  if (entry.json) seq = last!.seq + countMessages(await data.readUnchecked(entry, last!.position - entry.base, length));
  entry.nextSeq = seq;
  entry.lastTs = last!.ts;
}

/**
 * Reads index entries for a cut: a damaged entry lies past the cut (the cut is before any
 * damage), so it reads as an entry past every position instead of failing the search.
 */
function tolerantReader(data: DataFiles, entry: Entry) {
  const past: IndexEntry = {
    position: Number.POSITIVE_INFINITY,
    seq: Number.POSITIVE_INFINITY,
    ts: Number.POSITIVE_INFINITY,
  };
  return async (segment: number, from: number, count: number): Promise<IndexEntry[]> => {
    try {
      return await data.readIndex(entry, segment, from, count);
    } catch {
      const out: IndexEntry[] = [];
      for (let slot = from; slot < from + count; slot++) {
        out.push(...(await data.readIndex(entry, segment, slot, 1).catch(() => [past])));
      }
      return out;
    }
  };
}
