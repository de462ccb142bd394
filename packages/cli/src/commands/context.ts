/** `rivulet context …`: named connections (URL and token), one of them current. */
import { Command } from "commander";
import { contextAddCommand, contextRmCommand, contextUseCommand } from "../context/edit-commands.js";
import { contextLsCommand, contextShowCommand } from "../context/view-commands.js";

export function contextCommand(): Command {
  return new Command("context")
    .description("Manage named contexts: a server URL and token that client commands default to")
    .addCommand(contextAddCommand())
    .addCommand(contextUseCommand())
    .addCommand(contextLsCommand())
    .addCommand(contextShowCommand())
    .addCommand(contextRmCommand())
    .addHelpText(
      "after",
      `
Contexts live in $RIVULET_CONFIG_DIR, else $XDG_CONFIG_HOME/rivulet, else
~/.config/rivulet: contexts.json (names and URLs) and tokens.json (mode 0600).

Where a client command's --url and --token come from, first found wins:
  1. --url / --token on the command line
  2. RIVULET_URL / RIVULET_TOKEN
  3. the context named by --context (or RIVULET_CONTEXT), else the current one
  4. http://127.0.0.1:4437, no token
A context's token is only sent to that context's URL.

Examples:
  rivulet context add prod --url https://streams.example.com --token "$PROD_TOKEN"
  rivulet context use prod
  rivulet ls                          # lists prod's streams
  rivulet ls --context local          # one command against another context
  rivulet context ls
  rivulet context rm prod`,
    );
}
