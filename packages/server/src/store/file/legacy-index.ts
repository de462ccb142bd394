/**
 * Streams written by a format before the append index (docs/storage.md, "Upgrading") get one,
 * built once from their data at the first open: their append times and, on byte streams,
 * their append boundaries were never recorded. So every message from before gets the seq it
 * would have had (JSON: counted; other types: all the old bytes are one record), and the time
 * of that open as its append time: retention then keeps old data at least as long as its
 * setting from the upgrade on, and `?at=` finds it at or after the upgrade.
 */
import { INDEX_INTERVAL } from "../append-index.js";
import { metaWith } from "../stream-meta.js";
import type { IndexEntry } from "../types.js";
import type { Catalog, Entry } from "./catalog.js";
import type { DataFiles } from "./data-files.js";
import { IndexCounts, placeEntries } from "./index-files.js";

const NEWLINE = 0x0a;
const SCAN_BYTES = 1 << 20;
const WRITE_EVERY = 4096;

/** Builds the index of every stream without one, sources before their forks; returns them. */
export async function buildLegacyIndexes(catalog: Catalog, data: DataFiles, now: number): Promise<Entry[]> {
  const built: Entry[] = [];
  const build = async (entry: Entry): Promise<void> => {
    if (entry.indexed) return;
    const source = entry.meta.fork && catalog.byPath.get(entry.meta.fork.source);
    if (source) await build(source);
    if (entry.meta.fork && !entry.meta.inherited) {
      const position = entry.meta.fork.position;
      const seq = source ? await seqAt(catalog, data, source, position) : 0;
      const earliest = source ? Math.min(source.earliest, position) : position;
      entry.meta = metaWith(entry.meta, { inherited: { earliest, seq, ts: now } });
      entry.earliest = earliest;
    }
    await index(entry, data, now);
    built.push(entry);
  };
  for (const entry of [...catalog.entries()]) await build(entry);
  return built;
}

/** Scans the stream's own data and writes its index. */
async function index(entry: Entry, data: DataFiles, now: number): Promise<void> {
  const seqBase = entry.meta.inherited?.seq ?? 0;
  entry.counts = new IndexCounts();
  let pending: IndexEntry[] = [];
  const flush = async () => {
    await data.writeIndex(entry, placeEntries(entry.layout, entry.base, entry.counts, pending));
    pending = [];
  };
  let messages = 0;
  if (entry.tail > entry.base) {
    pending.push({ position: entry.base, seq: seqBase, ts: now });
    if (entry.json) {
      let at = entry.base;
      let anchor = entry.base;
      for await (const chunk of data.scan(entry, SCAN_BYTES)) {
        for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, nl + 1)) {
          messages++;
          const boundary = at + nl + 1;
          if (boundary - anchor >= INDEX_INTERVAL && boundary < entry.tail) {
            anchor = boundary;
            pending.push({ position: boundary, seq: seqBase + messages, ts: now });
          }
        }
        at += chunk.length;
        if (pending.length >= WRITE_EVERY) await flush();
      }
    } else {
      messages = 1;
    }
  }
  await flush();
  entry.nextSeq = seqBase + messages;
  entry.lastTs = messages > 0 ? now : (entry.meta.inherited?.ts ?? 0);
  entry.rewind();
  entry.indexed = true;
  // Its index files are new: the upgrade's checkpoint fsyncs them.
  entry.syncedTail = 0;
}

/** Messages before `position` in `entry`'s view (inherited ones included), on an indexed-or-legacy stream. */
async function seqAt(catalog: Catalog, data: DataFiles, entry: Entry, position: number): Promise<number> {
  if (position < entry.base && entry.meta.fork) {
    const source = catalog.byPath.get(entry.meta.fork.source);
    return source ? seqAt(catalog, data, source, position) : 0;
  }
  const seqBase = entry.meta.inherited?.seq ?? 0;
  if (position <= entry.base) return seqBase;
  if (!entry.json) return seqBase + 1;
  let messages = 0;
  let at = entry.base;
  for await (const chunk of data.scan(entry, SCAN_BYTES)) {
    const upTo = Math.min(chunk.length, position - at);
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1 && nl < upTo; nl = chunk.indexOf(NEWLINE, nl + 1)) messages++;
    at += chunk.length;
    if (at >= position) break;
  }
  return seqBase + messages;
}
