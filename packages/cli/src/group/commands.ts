/** `rivulet group ls | describe | reset | delete` (docs/kafka-layer.md, "Consumer groups"). */
import type { ResetTo } from "@rivulet/kafka";
import { Command, InvalidArgumentError, Option } from "commander";
import { addConnectionOptions, type ConnectionFlags } from "../connection.js";
import { usage } from "../failure.js";
import { kafkaClient } from "../kafka-client.js";
import { writeLine } from "../output/stdout.js";
import { parseTime } from "../read/start-flags.js";
import { groupDetails, groupTable, resetTable } from "./format.js";

type JsonFlags = ConnectionFlags & { json?: boolean };

export function groupLsCommand(): Command {
  const command = new Command("ls")
    .description("List consumer groups in id order")
    .option("--json", "print a JSON array");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  rivulet group ls
  rivulet group ls --json | jq -r '.[] | select(.state == "empty") | .id'`,
    )
    .action(async (flags: JsonFlags) => {
      const groups = await kafkaClient(flags).admin().listGroups();
      if (flags.json) await writeLine(JSON.stringify(groups, null, 2));
      else if (groups.length > 0) await writeLine(groupTable(groups));
    });
}

export function groupDescribeCommand(): Command {
  const command = new Command("describe")
    .description("Show a group: its state, committed offsets and lag per partition, and members (exit 2 if none)")
    .argument("<group>", "the group id")
    .option("--json", "print it as JSON");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
LAG is in records: how many lie between the committed offset and the tail ("-"
before the partition's first commit).

Examples:
  rivulet group describe billing
  rivulet group describe billing --json | jq '.totalLag'`,
    )
    .action(async (group: string, flags: JsonFlags) => {
      const described = await kafkaClient(flags).admin().describeGroup(group);
      await writeLine(flags.json ? JSON.stringify(described, null, 2) : groupDetails(described));
    });
}

interface ResetFlags extends JsonFlags {
  topic: string;
  to?: "earliest" | "latest" | number;
  offset?: { partition: number; offset: string }[];
}

/** `earliest`, `latest`, or a time (RFC 3339 or ms since the epoch). */
function parseResetTo(value: string): "earliest" | "latest" | number {
  if (value === "earliest" || value === "latest") return value;
  try {
    return parseTime(value);
  } catch {
    throw new InvalidArgumentError(`expected earliest, latest or a time (e.g. 2026-11-30T09:00:00Z), got ${value}`);
  }
}

/** `<partition>=<offset>`, collected over repeated flags. */
function collectOffset(value: string, previous: ResetFlags["offset"]): NonNullable<ResetFlags["offset"]> {
  const match = /^(\d+)=(\S+)$/.exec(value);
  if (!match) throw new InvalidArgumentError(`expected <partition>=<offset>, got ${JSON.stringify(value)}`);
  return [...(previous ?? []), { partition: Number(match[1]), offset: match[2]! }];
}

export function groupResetCommand(): Command {
  const command = new Command("reset")
    .description("Move a group's committed offsets for a topic (only while the group has no members)")
    .argument("<group>", "the group id")
    .requiredOption("--topic <topic>", "the topic whose offsets move")
    .addOption(
      new Option("--to <where>", "earliest, latest, or a time (RFC 3339, or ms since the epoch)").argParser(
        parseResetTo,
      ),
    )
    .addOption(
      new Option("--offset <partition=offset>", "set one partition's offset (repeatable)")
        .argParser(collectOffset)
        .conflicts("to"),
    )
    .option("--json", "print the offsets set as JSON");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
A time moves each partition to its first record appended at or after it (the tail if
none). Refused with exit 3 (GROUP_NOT_EMPTY) while the group has members: stop its
consumers first.

Examples:
  rivulet group reset billing --topic orders --to earliest
  rivulet group reset billing --topic orders --to 2026-11-30T09:00:00Z
  rivulet group reset billing --topic orders --offset 0=0000000000000000_0000000000000420`,
    )
    .action(async (group: string, flags: ResetFlags) => {
      const offsets = await kafkaClient(flags).admin().resetOffsets(group, flags.topic, resetTo(flags));
      await writeLine(flags.json ? JSON.stringify(offsets, null, 2) : resetTable(offsets));
    });
}

function resetTo(flags: ResetFlags): ResetTo {
  if (flags.offset !== undefined) return flags.offset;
  if (flags.to === undefined)
    throw usage("say where to: --to earliest|latest|<time>, or --offset <partition>=<offset>");
  return typeof flags.to === "number" ? new Date(flags.to) : flags.to;
}

export function groupDeleteCommand(): Command {
  const command = new Command("delete")
    .description("Delete a group with no members, and its offsets (exit 2 if there is none)")
    .argument("<group>", "the group id");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Refused with exit 3 (GROUP_NOT_EMPTY) while the group has members.

Examples:
  rivulet group delete billing`,
    )
    .action(async (group: string, flags: ConnectionFlags) => {
      await kafkaClient(flags).admin().deleteGroup(group);
    });
}
