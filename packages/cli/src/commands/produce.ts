/**
 * `rivulet produce <topic> [values…]`: sends records to a topic through the SDK's producer
 * (murmur2 partitioning by key, idempotent per partition, batched), and prints where each
 * landed, in input order.
 */
import type { ProducerRecord, RecordMetadata } from "@rivulet/kafka";
import { Command, InvalidArgumentError, Option } from "commander";
import { addConnectionOptions, type ConnectionFlags } from "../connection.js";
import { usage } from "../failure.js";
import { coalesce } from "../input/coalesce.js";
import { openInput } from "../input/source.js";
import { kafkaClient } from "../kafka-client.js";
import { parseCount } from "../option-parsers.js";
import { writeLine } from "../output/stdout.js";
import { inputRecords, type RecordDefaults } from "../produce/input-records.js";

interface ProduceFlags extends Omit<ConnectionFlags, "header"> {
  key?: string;
  header?: Record<string, string>;
  partition?: number;
  file?: string;
  records?: boolean;
  text?: boolean;
  json?: boolean;
  httpHeader?: [string, string][];
}

/** `key=value`, collected over repeated flags into record headers. */
function collectRecordHeader(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const equals = value.indexOf("=");
  if (equals < 1) throw new InvalidArgumentError(`expected key=value, got ${JSON.stringify(value)}`);
  return { ...previous, [value.slice(0, equals)]: value.slice(equals + 1) };
}

export function produceCommand(): Command {
  const command = new Command("produce")
    .description("Send records to a topic; prints each one's partition, seq and offset")
    .argument("<topic>", "the topic")
    .argument("[values...]", "record values, one record each (JSON; a lone - reads stdin)")
    .option("-k, --key <key>", "the records' key: chooses the partition (murmur2), what compaction keeps")
    .addOption(new Option("--header <key=value>", "a record header (repeatable)").argParser(collectRecordHeader))
    .addOption(new Option("-p, --partition <n>", "this partition, whatever the key").argParser(parseCount))
    .option("-f, --file <path>", 'read records from a file ("-" for stdin): JSON lines or a JSON array')
    .option("--records", 'input lines are whole records: {"value", "key", "headers", "partition", "timestamp"}')
    .option("--text", "values are text: each argument or input line is one string value")
    .option("--json", "print each record's metadata as a JSON line");
  return addConnectionOptions(command, { header: "--http-header" })
    .addHelpText(
      "after",
      `
Values are JSON: quote strings ('"hello"'), or use --text. Without values or --file,
a piped stdin is read: one value per line (JSON lines), or a JSON array of values.
--key, --header and --partition apply to every record; with --records each input
line is a record of its own and they fill in only what it leaves out.

Prints one line per record in input order: "partition P seq S offset O" (--json: the
record's metadata). Records are sent idempotently per partition: a retried request
never writes twice.

Examples:
  rivulet produce orders '{"total":42}' --key customer-7
  rivulet produce orders --text hello world --header source=cli
  jq -c '.orders[]' export.json | rivulet produce orders
  rivulet produce orders --records --file records.ndjson --json`,
    )
    .action(async (topic: string, values: string[], flags: ProduceFlags) => {
      await produce(topic, values, flags);
    });
}

async function produce(topic: string, values: string[], flags: ProduceFlags): Promise<void> {
  const input = await openInput({ data: values, file: flags.file }, true);
  if (input === undefined) throw usage("give values as arguments, --file <path>, or pipe them to stdin");
  const connection: ConnectionFlags = { ...flags, header: flags.httpHeader ?? [] };
  const producer = kafkaClient(connection).producer(topic);
  const defaults: RecordDefaults = {
    key: flags.key,
    headers: flags.header,
    partition: flags.partition,
    text: flags.text === true,
    records: flags.records === true,
  };
  try {
    const batches = coalesce(inputRecords(input, defaults), recordSize, {
      maxItems: 1000,
      maxBytes: 1 << 20,
      lingerMs: 20,
    });
    for await (const batch of batches) {
      const landed = await producer.sendBatch(batch);
      await writeLine(landed.map((metadata) => describe(metadata, flags.json === true)).join("\n"));
    }
  } finally {
    await producer.close().catch(() => undefined);
  }
}

const recordSize = (record: ProducerRecord) => JSON.stringify(record.value)?.length ?? 4;

function describe(metadata: RecordMetadata, json: boolean): string {
  if (json) return JSON.stringify(metadata);
  if (metadata.duplicate) return `partition ${metadata.partition} duplicate (written before)`;
  return `partition ${metadata.partition} seq ${metadata.seq} offset ${metadata.offset}`;
}
