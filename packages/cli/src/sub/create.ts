/** `rivulet sub create <id>`: creates a subscription, or re-confirms an identical one (PROTOCOL §6.2). */
import type { SubscriptionConfig } from "@rivulet/client/subscriptions";
import { Command, Option } from "commander";
import { addConnectionOptions, type ConnectionFlags } from "../connection.js";
import { usage } from "../failure.js";
import { writeLine } from "../output/stdout.js";
import { parseDuration } from "../units.js";
import { subscriptionsClient } from "./connection.js";
import { subscriptionDetails } from "./format.js";

interface CreateFlags extends ConnectionFlags {
  webhook?: string;
  pullWake?: string;
  pattern?: string;
  stream?: string[];
  leaseTtl?: number;
  description?: string;
  json?: boolean;
}

export function subCreateCommand(): Command {
  const command = new Command("create")
    .description("Create a subscription (succeeds unchanged if an identical one exists)")
    .argument("<id>", "subscription id: letters, digits, . _ ~ -")
    .addOption(new Option("--webhook <url>", "deliver by signed webhook POSTs to this URL").conflicts("pullWake"))
    .option("--pull-wake <wake-stream>", "deliver by wake events on this stream, for pull workers")
    .option("--pattern <glob>", 'streams matching this glob ("*" one segment, "**" any number)')
    .option("--stream <path...>", "these streams (repeatable), besides the pattern")
    .addOption(
      new Option("--lease-ttl <duration>", "lease of a wake, 1s to 10m (server default 30s)").argParser(parseDuration),
    )
    .option("--description <text>", "what it is for")
    .option("--json", "print the subscription as JSON");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Prints the subscription; exit 3 if the id exists with another configuration.
Webhook targets must be https:// on a public host unless the server allows them
(rivulet serve --webhook-allow localhost). A pull-wake stream is created by you.

Examples:
  rivulet sub create orders --webhook https://hooks.example.com/orders --pattern 'orders/*'
  rivulet create jobs-wake --json && rivulet sub create jobs --pull-wake jobs-wake --pattern 'jobs/**'
  rivulet sub create audit --webhook https://hooks.example.com/audit --stream audit/eu --stream audit/us --json`,
    )
    .action(async (id: string, flags: CreateFlags) => {
      const { created, subscription } = await subscriptionsClient(flags).create(id, configFrom(flags));
      if (flags.json) await writeLine(JSON.stringify({ created, subscription }, null, 2));
      else
        await writeLine(
          `${created ? "created" : "unchanged (an identical subscription exists)"}\n${subscriptionDetails(subscription)}`,
        );
    });
}

function configFrom(flags: CreateFlags): SubscriptionConfig {
  if (flags.webhook === undefined && flags.pullWake === undefined) {
    throw usage("say how to deliver: --webhook <url> or --pull-wake <wake-stream>");
  }
  if (flags.pattern === undefined && flags.stream === undefined) {
    throw usage("say which streams: --pattern <glob>, --stream <path>, or both");
  }
  const targets = {
    ...(flags.pattern !== undefined && { pattern: flags.pattern }),
    ...(flags.stream !== undefined && { streams: flags.stream }),
    ...(flags.leaseTtl !== undefined && { leaseTtlMs: flags.leaseTtl }),
    ...(flags.description !== undefined && { description: flags.description }),
  };
  return flags.webhook !== undefined
    ? { ...targets, webhook: flags.webhook }
    : { ...targets, wakeStream: flags.pullWake! };
}
