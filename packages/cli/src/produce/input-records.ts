/**
 * The records `rivulet produce` sends, from its input: each argument or line a value (JSON,
 * or text with --text), or with --records a whole record object. The flags' key, headers and
 * partition fill in what a record leaves out.
 */
import type { ProducerRecord } from "@rivulet/kafka";
import { CliError } from "../failure.js";
import { jsonMessages, parseJson } from "../input/json-messages.js";
import type { InputSource } from "../input/source.js";

export interface RecordDefaults {
  key: string | undefined;
  headers: Record<string, string> | undefined;
  partition: number | undefined;
  text: boolean;
  records: boolean;
}

const RECORD_FIELDS = new Set(["value", "key", "headers", "partition", "timestamp"]);

export async function* inputRecords(input: InputSource, defaults: RecordDefaults): AsyncGenerator<ProducerRecord> {
  for await (const [value, where] of values(input, defaults.text)) {
    yield defaults.records ? fromRecord(value, where, defaults) : withDefaults({ value }, defaults);
  }
}

/** Each value with where it came from, for error messages. */
async function* values(input: InputSource, text: boolean): AsyncGenerator<[unknown, string]> {
  if (input.kind === "arguments") {
    let index = 0;
    for (const arg of input.args ?? []) {
      index++;
      yield [text ? arg : parseJson(arg, `argument ${index}`), `argument ${index}`];
    }
    return;
  }
  if (text) {
    let line = 0;
    for await (const textLine of lines(input.chunks())) yield [textLine, `line ${++line}`];
    return;
  }
  let index = 0;
  for await (const message of jsonMessages(input.chunks(), input.kind)) yield [message.value, `record ${++index}`];
}

async function* lines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of chunks) {
    buffered += decoder.decode(chunk, { stream: true });
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    for (const part of parts) yield part.replace(/\r$/, "");
  }
  buffered += decoder.decode();
  if (buffered !== "") yield buffered;
}

function fromRecord(value: unknown, where: string, defaults: RecordDefaults): ProducerRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value) || !("value" in value)) {
    throw new CliError("INPUT", `${where}: --records needs objects with a "value"`);
  }
  const unknown = Object.keys(value).find((field) => !RECORD_FIELDS.has(field));
  if (unknown !== undefined) throw new CliError("INPUT", `${where}: unknown record field ${JSON.stringify(unknown)}`);
  const record = value as ProducerRecord;
  return withDefaults({ ...record, headers: { ...defaults.headers, ...record.headers } }, defaults);
}

function withDefaults(record: ProducerRecord, defaults: RecordDefaults): ProducerRecord {
  const filled: ProducerRecord = { ...record };
  if (filled.key === undefined && defaults.key !== undefined) filled.key = defaults.key;
  if (filled.partition === undefined && defaults.partition !== undefined) filled.partition = defaults.partition;
  if (filled.headers === undefined && defaults.headers !== undefined) filled.headers = defaults.headers;
  return filled;
}
