/**
 * The append index every store keeps (docs/storage.md, "Append index"): one entry where each
 * append starts, with the seq of its first message and its append time, so a message's seq,
 * a time's position and record boundaries are found by binary search instead of a scan. A JSON
 * append that holds many messages also gets an entry at the first message boundary past every
 * INDEX_INTERVAL bytes, so finding the seq of any message reads at most that much more data.
 * Which entries a record adds is decided here, once, for every store.
 */
import type { AppendRecord, IndexEntry } from "./types.js";

export const INDEX_INTERVAL = 4096;
const NEWLINE = 0x0a;

/** Where the record lands: the seq of its first message, and the time it is indexed with. */
export interface IndexCursor {
  readonly nextSeq: number;
  readonly lastTs: number;
}

/** The entries `record` adds to the index of a stream in state `cursor`; none for a record without messages. */
export function indexEntriesOf(cursor: IndexCursor, record: AppendRecord, json: boolean): IndexEntry[] {
  if (record.messages === 0 || record.data.length === 0) return [];
  // Times never go backwards in the index, even for a record that carries an older one.
  const ts = Math.max(cursor.lastTs, record.ts);
  const entries: IndexEntry[] = [{ position: record.position, seq: cursor.nextSeq, ts }];
  if (!json || record.data.length <= INDEX_INTERVAL) return entries;
  const data = record.data;
  let anchor = 0;
  let seq = cursor.nextSeq;
  for (let nl = data.indexOf(NEWLINE); nl !== -1 && nl + 1 < data.length; nl = data.indexOf(NEWLINE, nl + 1)) {
    seq++;
    if (nl + 1 - anchor >= INDEX_INTERVAL) {
      anchor = nl + 1;
      entries.push({ position: record.position + anchor, seq, ts });
    }
  }
  return entries;
}

/** Messages in stored JSON bytes (each ends in a newline, json.ts). */
export function countMessages(stored: Uint8Array): number {
  let count = 0;
  for (let nl = stored.indexOf(NEWLINE); nl !== -1; nl = stored.indexOf(NEWLINE, nl + 1)) count++;
  return count;
}
