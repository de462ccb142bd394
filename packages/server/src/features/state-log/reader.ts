/** Reads a state log generation back from its internal stream, a chunk at a time. */
import type { Engine } from "../../engine/engine.js";
import { decodeLine, type LogLine, splitStored } from "./codec.js";

const CHUNK_BYTES = 1 << 20;

export interface ReadGeneration<R> {
  /** Snapshot entries, in order. */
  readonly snapshot: R[];
  /** Whether the snapshot's `end` marker is there: only then is the generation usable. */
  readonly complete: boolean;
  /** The last record sequence number the snapshot includes. */
  readonly upTo: number;
  /** Records after the snapshot. */
  readonly records: Array<{ readonly seq: number; readonly record: R }>;
}

export async function readGeneration<R>(engine: Engine, path: string): Promise<ReadGeneration<R>> {
  const stream = await engine.get(path, false);
  const end = stream.tail;
  const lines: Array<LogLine<R>> = [];
  let carry: Uint8Array = new Uint8Array(0);
  for (let at = stream.base; at < end; at += CHUNK_BYTES) {
    const chunk = await engine.readStored(stream, at, Math.min(end, at + CHUNK_BYTES));
    const split = splitStored(chunk, carry);
    carry = split.carry;
    for (const text of split.texts) lines.push(decodeLine<R>(text));
  }
  if (carry.length > 0) throw new Error(`state log ${path} ends inside a message`);
  return collect(lines);
}

function collect<R>(lines: ReadonlyArray<LogLine<R>>): ReadGeneration<R> {
  const snapshot: R[] = [];
  const records: Array<{ seq: number; record: R }> = [];
  let upTo = 0;
  let complete = false;
  for (const line of lines) {
    if (line.kind === "snapshot" && !complete) snapshot.push(line.entry);
    else if (line.kind === "end") {
      complete = true;
      upTo = line.upTo;
    } else if (line.kind === "record" && complete && line.seq > upTo) {
      // Records the snapshot already includes (folded in while it was written) are skipped.
      records.push({ seq: line.seq, record: line.record });
    }
  }
  return { snapshot, complete, upTo, records };
}
