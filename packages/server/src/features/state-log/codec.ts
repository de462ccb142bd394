/**
 * The lines of a state log (pure). A generation's stream holds, in order: a `begin` marker,
 * the snapshot's entries, an `end` marker naming the last record sequence number the snapshot
 * includes, then records. A generation without its `end` marker is an unfinished compaction.
 * Each line is one JSON message of the internal stream (PROTOCOL §9.1 framing: the stored form
 * is each message followed by ",\n").
 */
export type LogLine<R> =
  | { readonly kind: "begin"; readonly generation: number }
  | { readonly kind: "snapshot"; readonly entry: R }
  | { readonly kind: "end"; readonly upTo: number }
  | { readonly kind: "record"; readonly seq: number; readonly record: R };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NEWLINE = 0x0a;

export function encodeLine<R>(line: LogLine<R>): string {
  switch (line.kind) {
    case "begin":
      return JSON.stringify({ log: "begin", generation: line.generation });
    case "snapshot":
      return JSON.stringify({ snap: line.entry });
    case "end":
      return JSON.stringify({ log: "end", upTo: line.upTo });
    case "record":
      return JSON.stringify({ s: line.seq, r: line.record });
  }
}

/** A JSON array body of already encoded lines: one append, one message per line. */
export function batchBody(encoded: readonly string[]): Uint8Array {
  return encoder.encode(`[${encoded.join(",")}]`);
}

export function decodeLine<R>(text: string): LogLine<R> {
  const value = JSON.parse(text) as Record<string, unknown>;
  if (typeof value.s === "number" && "r" in value) return { kind: "record", seq: value.s, record: value.r as R };
  if ("snap" in value) return { kind: "snapshot", entry: value.snap as R };
  if (value.log === "begin" && typeof value.generation === "number") {
    return { kind: "begin", generation: value.generation };
  }
  if (value.log === "end" && typeof value.upTo === "number") return { kind: "end", upTo: value.upTo };
  throw new Error(`not a state log line: ${text.slice(0, 80)}`);
}

/**
 * Splits stored JSON-mode bytes into message texts. `carry` holds the bytes of an incomplete
 * message from the previous chunk; the returned carry is this chunk's incomplete tail.
 */
export function splitStored(chunk: Uint8Array, carry: Uint8Array): { texts: string[]; carry: Uint8Array } {
  const bytes = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
  const last = bytes.lastIndexOf(NEWLINE);
  if (last === -1) return { texts: [], carry: bytes };
  const texts = decoder
    .decode(bytes.subarray(0, last))
    .split("\n")
    .map((line) => (line.endsWith(",") ? line.slice(0, -1) : line));
  return { texts, carry: bytes.subarray(last + 1) };
}
