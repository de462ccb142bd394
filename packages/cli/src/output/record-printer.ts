/**
 * How `read` prints a read in records mode (docs/extensions.md, "Records view"): with
 * `--records`, one JSON line per message, `{"offset","next_offset","seq","ts","value"}` as the
 * records view has them (a value that is not JSON as text, or base64 for bytes); otherwise the
 * values as a plain read prints them. Records before `firstSeq` are left out (`--last`).
 */
import type { Batch, StreamRecord } from "@rivulet/client";
import { isJsonContentType } from "@rivulet/protocol";
import { usage } from "../failure.js";
import type { BatchPrinter } from "./batch-printer.js";
import { writeOut } from "./stdout.js";

export interface RecordPrinting {
  /** JSON lines with offsets, seq and time, rather than the values alone. */
  records: boolean;
  pretty: boolean;
  /** Records before this seq are not printed. */
  firstSeq: number;
}

export function recordPrinter(contentType: string | undefined, printing: RecordPrinting): BatchPrinter {
  const json = contentType !== undefined && isJsonContentType(contentType);
  if (printing.pretty && !json && !printing.records) {
    throw usage(`--pretty needs a JSON stream or --records; this one is ${contentType ?? "of unknown type"}`);
  }
  const indent = printing.pretty ? 2 : undefined;
  const format = printing.records
    ? (record: StreamRecord) => `${JSON.stringify(recordLine(record), null, indent)}\n`
    : json
      ? (record: StreamRecord) => `${JSON.stringify(record.value, null, indent)}\n`
      : (record: StreamRecord) => record.value as Uint8Array | string;
  return async (batch: Batch) => {
    for (const record of batch.records ?? []) {
      if (record.seq >= printing.firstSeq) await writeOut(format(record));
    }
  };
}

function recordLine(record: StreamRecord) {
  const { value } = record;
  return {
    offset: record.offset,
    next_offset: record.nextOffset,
    seq: record.seq,
    ts: record.timestamp,
    value: value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value,
  };
}
