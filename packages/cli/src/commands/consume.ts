/**
 * `rivulet consume <topic> --group <id> [-- <command>]`: a member of a consumer group. Without
 * a command it prints each record as a JSON line; with one it runs the command per record and
 * commits the record once the command exits 0. A command that fails stops the consumer without
 * committing its record (exit 8, so the record is delivered again). SIGINT or SIGTERM: the
 * command in hand gets SIGTERM and its exit decides its record; then finished records are
 * committed, the group is left (its partitions move at once) and the exit is 130 — whether or
 * not the command finished its record.
 */
import { type ConsumerRecord, type Kafka, RebalanceInProgressError, type TopicPartition } from "@rivulet/kafka";
import { Command, InvalidArgumentError, Option } from "commander";
import { addConnectionOptions, type ConnectionFlags } from "../connection.js";
import { recordEnv, recordJson } from "../consume/record-json.js";
import { describeOutcome, type RunningCommand, runForRecord } from "../consume/run-command.js";
import { EXIT } from "../exit-codes.js";
import { CliError } from "../failure.js";
import { kafkaClient } from "../kafka-client.js";
import { parsePositiveCount } from "../option-parsers.js";
import { writeLine } from "../output/stdout.js";
import { parseTime } from "../read/start-flags.js";

type Start = "earliest" | "latest" | Date;

interface ConsumeFlags extends ConnectionFlags {
  group: string;
  from: Start;
  max?: number;
  values?: boolean;
  instanceId?: string;
}

function parseStart(value: string): Start {
  if (value === "earliest" || value === "latest") return value;
  try {
    return new Date(parseTime(value));
  } catch {
    throw new InvalidArgumentError(`expected earliest, latest or a time (e.g. 2026-11-30T09:00:00Z), got ${value}`);
  }
}

export function consumeCommand(): Command {
  const command = new Command("consume")
    .description("Consume a topic as a member of a group: print records as JSON lines, or run a command per record")
    .argument("<topic>", "the topic")
    .argument("[command...]", "after --: a command to run per record; exit 0 commits it")
    .requiredOption("-g, --group <id>", "the consumer group (1 to 249 of A-Z a-z 0-9 . _ -)")
    .addOption(
      new Option("--from <where>", "where partitions without a committed offset start: earliest, latest or a time")
        .argParser(parseStart)
        .default("latest"),
    )
    .addOption(new Option("-n, --max <n>", "stop after this many records").argParser(parsePositiveCount))
    .option("--values", "only the record values, not the whole record")
    .option(
      "--instance-id <id>",
      "static membership: a stable name for this process; after a restart it gets its partitions back without a rebalance",
    );
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Each record is a JSON line: {"topic","partition","offset","nextOffset","seq","key",
"value","headers","timestamp"} (--values: the value alone). A group's committed
offsets win over --from, which only places partitions the group never committed.
--verbose also prints the partitions this member is assigned and loses, on stderr.
With --instance-id, stopping keeps this member's partitions reserved for that id
until the group's session timeout: the same command started again with the same id
takes them over at once, without moving partitions between the other members.

With a command, each record is written to its stdin as that line, and its environment
has RIVULET_GROUP, RIVULET_TOPIC, RIVULET_PARTITION, RIVULET_OFFSET,
RIVULET_NEXT_OFFSET, RIVULET_SEQ, RIVULET_TIMESTAMP, RIVULET_HEADERS (JSON) and
RIVULET_KEY (unset for a record without a key). Exit 0 commits the record; any other
exit stops the consumer without committing it (exit 8, COMMAND_FAILED): started
again, it gets that record first. Records are processed one at a time, in order per
partition.

Ctrl-C or SIGTERM shuts down gracefully: the running command gets SIGTERM (exit 0
still commits its record), finished records are committed, the group is left so
its partitions move to other members at once, and the exit is 130.

Examples:
  rivulet consume orders --group audit --from earliest
  rivulet consume orders --group audit --max 10 --values | jq .total
  rivulet consume orders --group billing -- ./bill.sh
  rivulet consume orders --group mailer -- sh -c 'jq -r .value.email | xargs ./send-mail'`,
    )
    .action(async (topic: string, commandLine: string[], flags: ConsumeFlags) => {
      process.exitCode = await consume(kafkaClient(flags), topic, commandLine, flags);
    });
}

async function consume(kafka: Kafka, topic: string, commandLine: string[], flags: ConsumeFlags): Promise<number> {
  const consumer = kafka.consumer(topic, {
    group: flags.group,
    offset: flags.from,
    autoCommit: false,
    ...(flags.instanceId !== undefined && { instanceId: flags.instanceId }),
    // --verbose tells which partitions this member holds: onAssigned runs once each one is
    // placed (at its commit or --from), so a record appended after the line is not skipped.
    ...(flags.verbose === true && {
      onAssigned: (partitions) => note("assigned", partitions),
      onRevoked: (partitions) => note("revoked", partitions),
    }),
  });
  let interrupted = false;
  let running: RunningCommand | undefined;
  // With a command running, the loop ends once its exit has decided (and committed) its record;
  // otherwise closing the consumer ends the wait for the next record.
  const stop = () => {
    interrupted = true;
    if (running !== undefined) running.stop();
    else void consumer.close().catch(() => undefined);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  let count = 0;
  try {
    for await (const record of consumer) {
      if (commandLine.length === 0) {
        await writeLine(recordJson(record, flags.values === true));
        record.commitAsync();
      } else {
        running = runForRecord(commandLine, recordJson(record, flags.values === true), recordEnv(record, flags.group));
        const outcome = await running.done;
        running = undefined;
        // Stopped by our own SIGTERM and not finished: not committed, and not a failure of the command.
        if (outcome.code !== 0 && interrupted) break;
        if (outcome.code !== 0) throw commandFailed(record, describeOutcome(outcome));
        await commitOrWarn(record);
      }
      if (++count === flags.max || interrupted) break;
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await consumer.close();
  }
  return interrupted ? EXIT.interrupted : EXIT.ok;
}

function commandFailed(record: ConsumerRecord, how: string): CliError {
  return new CliError(
    "COMMAND_FAILED",
    `the command ${how} for ${record.topic}/${record.partition} seq ${record.seq}; it was not committed`,
  );
}

/** A partition taken away while its record was processed goes to another member, which processes it again. */
async function commitOrWarn(record: ConsumerRecord): Promise<void> {
  try {
    await record.commit();
  } catch (error) {
    if (!(error instanceof RebalanceInProgressError)) throw error;
    process.stderr.write(`rivulet: ${error.code}: ${error.message}; another member will process it again\n`);
  }
}

function note(what: string, partitions: readonly TopicPartition[]): void {
  if (partitions.length === 0) return;
  process.stderr.write(`rivulet: ${what} ${partitions.map((p) => `${p.topic}/${p.partition}`).join(" ")}\n`);
}
