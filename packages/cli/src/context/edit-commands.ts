/** `rivulet context add | use | rm`: change the named contexts in the config directory. */
import { Command } from "commander";
import { usage } from "../failure.js";
import { collectBytes } from "../input/source.js";
import { writeLine } from "../output/stdout.js";
import { streamRoot } from "../stream-url.js";
import { configDir } from "./config-dir.js";
import { loadContexts, saveContexts, TOKENS_FILE } from "./context-files.js";
import { addContext, type Contexts, removeContext, useContext } from "./contexts.js";

/** Loads the contexts, applies `change`, saves them: every edit is one whole replacement. */
function edit(change: (contexts: Contexts) => Contexts): { dir: string; contexts: Contexts } {
  const dir = configDir();
  const contexts = change(loadContexts(dir));
  saveContexts(dir, contexts);
  return { dir, contexts };
}

interface AddFlags {
  url: string;
  token?: string;
  tokenStdin?: boolean;
  use?: boolean;
  force?: boolean;
}

export function contextAddCommand(): Command {
  return new Command("add")
    .description("Add a named context: a server URL and, optionally, a token")
    .argument("<name>", "1 to 64 of A-Z a-z 0-9 . _ -")
    .requiredOption("--url <url>", "server URL or stream root, as --url takes it")
    .option("--token <token>", "bearer token (stored in a file only you can read)")
    .option("--token-stdin", "read the token from stdin (keeps it out of shell history)")
    .option("--use", "make it the current context")
    .option("--force", "replace a context of the same name")
    .addHelpText(
      "after",
      `
The token is stored apart from the URL, in ${TOKENS_FILE} (mode 0600).

Examples:
  rivulet context add local --url http://127.0.0.1:4437 --use
  rivulet context add prod --url https://streams.example.com --token "$PROD_TOKEN"
  vault read -field=token secret/rivulet | rivulet context add prod --url https://streams.example.com --token-stdin --force`,
    )
    .action(async (name: string, flags: AddFlags) => {
      streamRoot(flags.url); // refuses a URL no command could use
      const token = flags.tokenStdin ? await tokenFromStdin() : flags.token;
      const { dir } = edit((contexts) => {
        const added = addContext(contexts, { name, url: flags.url, token, replace: flags.force === true });
        return flags.use ? useContext(added, name) : added;
      });
      const tokenNote = token === undefined ? "no token" : `token in ${dir}/${TOKENS_FILE}`;
      await writeLine(`added context ${name}: ${flags.url} (${tokenNote})${flags.use ? ", now current" : ""}`);
    });
}

async function tokenFromStdin(): Promise<string> {
  if (process.stdin.isTTY) throw usage("--token-stdin reads a piped token; nothing is piped");
  const token = Buffer.from(await collectBytes(process.stdin))
    .toString("utf8")
    .trim();
  if (token === "") throw usage("--token-stdin read no token");
  return token;
}

export function contextUseCommand(): Command {
  return new Command("use")
    .description("Make a context the current one: every client command then defaults to it")
    .argument("[name]", "the context")
    .option("--none", "no current context: commands use --url, RIVULET_URL or the default")
    .addHelpText(
      "after",
      `
Examples:
  rivulet context use prod
  rivulet context use --none`,
    )
    .action(async (name: string | undefined, flags: { none?: boolean }) => {
      if ((name === undefined) === (flags.none !== true)) throw usage("name a context, or give --none");
      edit((contexts) => (name === undefined ? { ...contexts, current: null } : useContext(contexts, name)));
      await writeLine(name === undefined ? "no current context" : `current context: ${name}`);
    });
}

export function contextRmCommand(): Command {
  return new Command("rm")
    .description("Remove a context and its token (exit 2 if there is none)")
    .argument("<name>", "the context")
    .addHelpText(
      "after",
      `
Removing the current context leaves none current.

Examples:
  rivulet context rm staging`,
    )
    .action(async (name: string) => {
      edit((contexts) => removeContext(contexts, name));
      await writeLine(`removed context ${name}`);
    });
}
