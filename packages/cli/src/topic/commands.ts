/** `rivulet topic create | ls | describe | alter | delete` (docs/kafka-layer.md, "Topics"). */
import { Command } from "commander";
import { addConnectionOptions, type ConnectionFlags } from "../connection.js";
import { usage } from "../failure.js";
import { kafkaClient } from "../kafka-client.js";
import { writeLine } from "../output/stdout.js";
import { noChange, type TopicConfigFlags, topicConfig, topicConfigOptions } from "./config-flags.js";
import { topicDetails, topicJson, topicTable } from "./format.js";

type JsonFlags = ConnectionFlags & { json?: boolean };

function withConfigOptions(command: Command): Command {
  for (const option of topicConfigOptions()) command.addOption(option);
  return command;
}

export function topicCreateCommand(): Command {
  const command = withConfigOptions(
    new Command("create")
      .description("Create a topic (succeeds unchanged if one with the same settings exists)")
      .argument("<name>", "1 to 249 of a-z A-Z 0-9 . _ -, not starting with __"),
  ).option("--json", "print the topic as JSON");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Prints the topic; exit 3 (TOPIC_EXISTS) if it exists with other settings.

Examples:
  rivulet topic create orders --partitions 12
  rivulet topic create customers --partitions 6 --cleanup-policy compact
  rivulet topic create clicks --partitions 3 --retention 7d --retention-bytes 10GiB --json`,
    )
    .action(async (name: string, flags: JsonFlags & TopicConfigFlags) => {
      const topic = await kafkaClient(flags).admin().createTopic(name, topicConfig(flags));
      await writeLine(flags.json ? topicJson(topic) : topicDetails(topic));
    });
}

export function topicLsCommand(): Command {
  const command = new Command("ls").description("List topics in name order").option("--json", "print a JSON array");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  rivulet topic ls
  rivulet topic ls --json | jq -r '.[] | select(.cleanupPolicy == "compact") | .name'`,
    )
    .action(async (flags: JsonFlags) => {
      const topics = await kafkaClient(flags).admin().listTopics();
      if (flags.json) await writeLine(JSON.stringify(topics, null, 2));
      else if (topics.length > 0) await writeLine(topicTable(topics));
    });
}

export function topicDescribeCommand(): Command {
  const command = new Command("describe")
    .description("Show a topic's settings and each partition's records, size and offsets (exit 2 if none)")
    .argument("<name>", "the topic")
    .option("--json", "print it as JSON");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  rivulet topic describe orders
  rivulet topic describe orders --json | jq '.partitionDetails[] | {partition, nextSeq}'`,
    )
    .action(async (name: string, flags: JsonFlags) => {
      const topic = await kafkaClient(flags).admin().describeTopic(name);
      await writeLine(flags.json ? topicJson(topic) : topicDetails(topic));
    });
}

export function topicAlterCommand(): Command {
  const command = withConfigOptions(
    new Command("alter").description("Change a topic's settings; partitions only grow").argument("<name>", "the topic"),
  ).option("--json", "print the topic as JSON");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Growing a topic remaps keys: new records of most keys go to another partition than
their earlier ones (docs/kafka-layer.md, "Alter").

Examples:
  rivulet topic alter orders --partitions 24
  rivulet topic alter clicks --retention 30d
  rivulet topic alter clicks --retention default     # back to the server's default`,
    )
    .action(async (name: string, flags: JsonFlags & TopicConfigFlags) => {
      const changes = topicConfig(flags);
      if (noChange(changes)) {
        throw usage(
          "say what to change: --partitions, --cleanup-policy, --retention, --retention-bytes or --delete-retention",
        );
      }
      const topic = await kafkaClient(flags).admin().alterTopic(name, changes);
      await writeLine(flags.json ? topicJson(topic) : topicDetails(topic));
    });
}

export function topicDeleteCommand(): Command {
  const command = new Command("delete")
    .description("Delete a topic and its partitions (exit 2 if there is none)")
    .argument("<name>", "the topic");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  rivulet topic delete orders`,
    )
    .action(async (name: string, flags: ConnectionFlags) => {
      await kafkaClient(flags).admin().deleteTopic(name);
    });
}
