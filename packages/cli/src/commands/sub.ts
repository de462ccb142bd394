/** `rivulet sub …`: subscriptions (PROTOCOL §6–7) — create, ls, show, delete, and a pull-wake worker. */
import { Command } from "commander";
import { subCreateCommand } from "../sub/create.js";
import { subDeleteCommand } from "../sub/delete.js";
import { subLsCommand } from "../sub/ls.js";
import { subShowCommand } from "../sub/show.js";
import { subWorkerCommand } from "../sub/worker.js";

export function subCommand(): Command {
  return new Command("sub")
    .description("Manage subscriptions (webhooks, pull-wake) and run a pull-wake worker")
    .addCommand(subCreateCommand())
    .addCommand(subLsCommand())
    .addCommand(subShowCommand())
    .addCommand(subDeleteCommand())
    .addCommand(subWorkerCommand())
    .addHelpText(
      "after",
      `
A subscription names streams (a glob pattern, explicit paths, or both) and wakes a
consumer when they have data past its cursor: a signed webhook, or wake events on a
stream that workers claim. See docs/subscriptions.md.

Examples:
  rivulet sub create orders --webhook https://hooks.example.com/orders --pattern 'orders/*'
  rivulet sub ls
  rivulet sub show orders
  rivulet sub worker jobs -- ./process-jobs.sh
  rivulet sub delete orders`,
    );
}
