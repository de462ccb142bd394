/**
 * Notices on the wire, and how a batch of changes becomes as few of them as possible: changes
 * to one path merge into one entry, and entries are packed into payloads under PostgreSQL's
 * NOTIFY limit (8000 bytes), so a burst of appends costs a handful of notifications, not one
 * each. Pure: no I/O.
 *
 * A payload is JSON: `{"n": node, "c": [[path, tail, flags], …]}`, or `{"n": node, "g": 1}`
 * (a gap: something changed that one payload cannot say, so receivers re-check everything).
 */
import type { StreamChange } from "./types.js";

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
export const MAX_PAYLOAD_BYTES = 7999;

const CLOSED = 1;
const DELETED = 2;
const CREATED = 4;
const TRIMMED = 8;

/** One path's changes in a batch, as one: the latest tail, and every kind of change seen. */
export function mergeChange(earlier: StreamChange | undefined, later: StreamChange): StreamChange {
  if (!earlier) return later;
  return {
    path: later.path,
    tail: later.tail,
    closed: (earlier.closed === true && !later.created && !later.deleted) || later.closed === true,
    deleted: earlier.deleted === true || later.deleted === true,
    created: earlier.created === true || later.created === true,
    trimmed: earlier.trimmed === true || later.trimmed === true,
  };
}

/** Changes merged per path, in the order each path first changed. */
export function coalesce(changes: Iterable<StreamChange>): StreamChange[] {
  const merged = new Map<string, StreamChange>();
  for (const change of changes) merged.set(change.path, mergeChange(merged.get(change.path), change));
  return [...merged.values()];
}

/** The payloads that carry `changes` (already coalesced), each at most `maxBytes` bytes of UTF-8. */
export function encodePayloads(node: string, changes: readonly StreamChange[], maxBytes = MAX_PAYLOAD_BYTES): string[] {
  const head = `{"n":${JSON.stringify(node)},"c":[`;
  const headBytes = Buffer.byteLength(head) + 2; // and the closing "]}"
  const payloads: string[] = [];
  let entries: string[] = [];
  let bytes = headBytes;
  let gap = false;
  for (const change of changes) {
    const entry = JSON.stringify([change.path, change.tail, flagsOf(change)]);
    const entryBytes = Buffer.byteLength(entry);
    if (headBytes + entryBytes > maxBytes) {
      // A path too long for any payload: say that something changed, receivers re-check.
      gap = true;
      continue;
    }
    const separator = entries.length > 0 ? 1 : 0;
    if (bytes + separator + entryBytes > maxBytes) {
      payloads.push(`${head}${entries.join(",")}]}`);
      entries = [];
      bytes = headBytes;
    }
    bytes += (entries.length > 0 ? 1 : 0) + entryBytes;
    entries.push(entry);
  }
  if (entries.length > 0) payloads.push(`${head}${entries.join(",")}]}`);
  if (gap) payloads.push(gapPayload(node));
  return payloads;
}

export function gapPayload(node: string): string {
  return JSON.stringify({ n: node, g: 1 });
}

export type Notice =
  | { readonly node: string; readonly changes: StreamChange[] }
  | { readonly node: string | undefined; readonly gap: true };

/** A payload as it arrived; one that cannot be read is a gap (changes it carried are unknown). */
export function decodePayload(payload: string): Notice {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return { node: undefined, gap: true };
  }
  if (typeof value !== "object" || value === null) return { node: undefined, gap: true };
  const { n: node, c: entries } = value as { n?: unknown; c?: unknown };
  const sender = typeof node === "string" ? node : undefined;
  if (sender === undefined || !Array.isArray(entries)) return { node: sender, gap: true };
  const changes: StreamChange[] = [];
  for (const entry of entries) {
    const change = changeOf(entry);
    if (!change) return { node: sender, gap: true };
    changes.push(change);
  }
  return { node: sender, changes };
}

function changeOf(entry: unknown): StreamChange | undefined {
  if (!Array.isArray(entry) || entry.length !== 3) return undefined;
  const [path, tail, flags] = entry as unknown[];
  if (typeof path !== "string" || !Number.isSafeInteger(tail) || !Number.isSafeInteger(flags)) return undefined;
  const bits = flags as number;
  return {
    path,
    tail: tail as number,
    closed: (bits & CLOSED) !== 0,
    deleted: (bits & DELETED) !== 0,
    created: (bits & CREATED) !== 0,
    trimmed: (bits & TRIMMED) !== 0,
  };
}

function flagsOf(change: StreamChange): number {
  return (
    (change.closed ? CLOSED : 0) |
    (change.deleted ? DELETED : 0) |
    (change.created ? CREATED : 0) |
    (change.trimmed ? TRIMMED : 0)
  );
}
