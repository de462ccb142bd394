/** `rivulet topic …`: topics of the Kafka-style layer — create, ls, describe, alter, delete. */
import { Command } from "commander";
import {
  topicAlterCommand,
  topicCreateCommand,
  topicDeleteCommand,
  topicDescribeCommand,
  topicLsCommand,
} from "../topic/commands.js";

export function topicCommand(): Command {
  return new Command("topic")
    .description("Manage topics: partitioned, keyed record streams (docs/kafka-layer.md)")
    .addCommand(topicCreateCommand())
    .addCommand(topicLsCommand())
    .addCommand(topicDescribeCommand())
    .addCommand(topicAlterCommand())
    .addCommand(topicDeleteCommand())
    .addHelpText(
      "after",
      `
Partition p of topic t is the stream topics/t/p: "rivulet read topics/orders/0" reads it.
Records go in with "rivulet produce", come out with "rivulet consume".

Examples:
  rivulet topic create orders --partitions 12
  rivulet topic ls
  rivulet topic describe orders
  rivulet topic alter orders --partitions 24
  rivulet topic delete orders`,
    );
}
