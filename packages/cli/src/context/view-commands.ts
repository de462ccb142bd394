/** `rivulet context ls | show`: the named contexts, never their tokens. */
import { Command } from "commander";
import { colorsFor } from "../colors.js";
import { CliError } from "../failure.js";
import { formatTable } from "../output/format.js";
import { writeLine } from "../output/stdout.js";
import { configDir } from "./config-dir.js";
import { loadContexts } from "./context-files.js";
import { type ContextView, listContexts, viewOf } from "./contexts.js";

export function contextLsCommand(): Command {
  return new Command("ls")
    .description("List the contexts; * marks the current one")
    .option("--json", "print a JSON array of {name, url, hasToken, current}")
    .option("--names", "print only the names, one a line (for scripts and completion)")
    .addHelpText(
      "after",
      `
Examples:
  rivulet context ls
  rivulet context ls --json | jq -r '.[] | select(.current) | .url'`,
    )
    .action(async (flags: { json?: boolean; names?: boolean }) => {
      const contexts = listContexts(loadContexts(configDir()));
      if (flags.json) await writeLine(JSON.stringify(contexts, null, 2));
      else if (flags.names) {
        if (contexts.length > 0) await writeLine(contexts.map((context) => context.name).join("\n"));
      } else if (contexts.length > 0) await writeLine(table(contexts));
    });
}

function table(contexts: ContextView[]): string {
  const c = colorsFor(process.stdout);
  const rows = contexts.map((context) => [
    context.current ? "*" : "",
    context.name,
    context.url,
    context.hasToken ? "yes" : "no",
  ]);
  return formatTable(
    ["CURRENT", "NAME", "URL", "TOKEN"].map((title) => c.bold(title)),
    rows,
  );
}

export function contextShowCommand(): Command {
  return new Command("show")
    .description("Show a context (the current one by default) and what overrides it here")
    .argument("[name]", "the context (default: the current one)")
    .option("--json", "print it as JSON")
    .addHelpText(
      "after",
      `
Says when RIVULET_URL or RIVULET_TOKEN is set: commands then use it instead.

Examples:
  rivulet context show
  rivulet context show prod --json`,
    )
    .action(async (name: string | undefined, flags: { json?: boolean }) => {
      const dir = configDir();
      const contexts = loadContexts(dir);
      const chosen = name ?? contexts.current;
      if (chosen === null) throw new CliError("CONTEXT_NOT_FOUND", "no current context (see rivulet context use)");
      const view = viewOf(contexts, chosen);
      const overrides = ["RIVULET_URL", "RIVULET_TOKEN"].filter((variable) => (process.env[variable] ?? "") !== "");
      if (flags.json) {
        await writeLine(JSON.stringify({ ...view, configDir: dir, overriddenBy: overrides }, null, 2));
        return;
      }
      const lines = [
        ["name", view.name],
        ["url", view.url],
        ["token", view.hasToken ? "set (not shown)" : "-"],
        ["current", view.current ? "yes" : "no"],
        ["config dir", dir],
      ].map(([field, value]) => `${field!.padEnd(10)}  ${value}`);
      for (const variable of overrides) lines.push(`note: ${variable} is set; commands use it instead of this context`);
      await writeLine(lines.join("\n"));
    });
}
