/** The `rivulet` command line: one subcommand per file under commands/. */
import { Command } from "commander";
import { serveCommand } from "./commands/serve.js";

export async function runCli(argv: string[]): Promise<void> {
  const program = new Command("rivulet")
    .description("Rivulet: durable, append-only streams over HTTP")
    .showHelpAfterError()
    .addCommand(serveCommand());
  await program.parseAsync(argv);
}
