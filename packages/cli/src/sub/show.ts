/** `rivulet sub show <id>`: one subscription with its stream cursors. */
import { Command } from "commander";
import { addConnectionOptions, type ConnectionFlags } from "../connection.js";
import { writeLine } from "../output/stdout.js";
import { subscriptionsClient } from "./connection.js";
import { subscriptionDetails } from "./format.js";

export function subShowCommand(): Command {
  const command = new Command("show")
    .description("Show a subscription and where each of its streams is acked up to (exit 2 if none)")
    .argument("<id>", "subscription id")
    .option("--json", "print it as JSON");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  rivulet sub show orders
  rivulet sub show orders --json | jq '.streams[] | {path, ackedOffset}'`,
    )
    .action(async (id: string, flags: ConnectionFlags & { json?: boolean }) => {
      const sub = await subscriptionsClient(flags).get(id);
      await writeLine(flags.json ? JSON.stringify(sub, null, 2) : subscriptionDetails(sub));
    });
}
