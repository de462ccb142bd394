/** `rivulet sub ls`: the subscriptions, in id order, a page at a time. */
import type { SubscriptionSummary } from "@rivulet/client/subscriptions";
import { Command, Option } from "commander";
import { addConnectionOptions, type ConnectionFlags } from "../connection.js";
import { parsePositiveCount } from "../option-parsers.js";
import { writeLine } from "../output/stdout.js";
import { subscriptionsClient } from "./connection.js";
import { subscriptionTable } from "./format.js";

interface LsFlags extends ConnectionFlags {
  json?: boolean;
  limit?: number;
  pageSize: number;
}

export function subLsCommand(): Command {
  const command = new Command("ls")
    .description("List subscriptions in id order")
    .option("--json", "print a JSON array of the subscriptions")
    .addOption(new Option("--limit <n>", "list at most this many").argParser(parsePositiveCount))
    .addOption(
      new Option("--page-size <n>", "subscriptions per listing request (the server allows 1 to 1000)")
        .argParser(parsePositiveCount)
        .default(100),
    );
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
PENDING counts the streams with data past their cursor.

Examples:
  rivulet sub ls
  rivulet sub ls --json | jq -r '.[] | select(.status == "failed") | .id'`,
    )
    .action(async (flags: LsFlags) => {
      const found: SubscriptionSummary[] = [];
      const limit = flags.limit ?? Number.POSITIVE_INFINITY;
      for await (const sub of subscriptionsClient(flags).listAll({ limit: Math.min(flags.pageSize, limit) })) {
        found.push(sub);
        if (found.length >= limit) break;
      }
      if (flags.json) await writeLine(JSON.stringify(found, null, 2));
      else if (found.length > 0) await writeLine(subscriptionTable(found));
    });
}
