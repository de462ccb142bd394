/** `rivulet group …`: consumer groups — ls, describe (lag per partition), reset, delete. */
import { Command } from "commander";
import { groupDeleteCommand, groupDescribeCommand, groupLsCommand, groupResetCommand } from "../group/commands.js";

export function groupCommand(): Command {
  return new Command("group")
    .description("Inspect and manage consumer groups: committed offsets, lag, resets")
    .addCommand(groupLsCommand())
    .addCommand(groupDescribeCommand())
    .addCommand(groupResetCommand())
    .addCommand(groupDeleteCommand())
    .addHelpText(
      "after",
      `
Groups are made by their consumers ("rivulet consume <topic> --group <id>", or the
@rivulet/kafka SDK); reset and delete need the group to have no members.

Examples:
  rivulet group ls
  rivulet group describe billing
  rivulet group reset billing --topic orders --to earliest
  rivulet group delete billing`,
    );
}
