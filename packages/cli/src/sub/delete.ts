/** `rivulet sub delete <id>`: deletes a subscription; its wakes in flight can no longer ack (PROTOCOL §6.3). */
import { Command } from "commander";
import { addConnectionOptions, type ConnectionFlags } from "../connection.js";
import { subscriptionsClient } from "./connection.js";

export function subDeleteCommand(): Command {
  const command = new Command("delete")
    .description("Delete a subscription (exit 2 if there is none)")
    .argument("<id>", "subscription id");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  rivulet sub delete orders
  rivulet sub delete orders || true       # ignore a missing one`,
    )
    .action(async (id: string, flags: ConnectionFlags) => {
      await subscriptionsClient(flags).delete(id);
    });
}
