/**
 * The `rivulet` command line: one subcommand per file under commands/. Every failure ends
 * here and is printed as one line, `rivulet: CODE: message`, with an exit code from
 * exit-codes.ts; --verbose adds the details and the stack.
 */
import { Command, CommanderError } from "commander";
import { colorsFor } from "./colors.js";
import { appendCommand } from "./commands/append.js";
import { benchCommand } from "./commands/bench.js";
import { closeCommand } from "./commands/close.js";
import { completionCommand } from "./commands/completion.js";
import { consumeCommand } from "./commands/consume.js";
import { contextCommand } from "./commands/context.js";
import { createCommand } from "./commands/create.js";
import { deleteCommand } from "./commands/delete.js";
import { forkCommand } from "./commands/fork.js";
import { groupCommand } from "./commands/group.js";
import { headCommand } from "./commands/head.js";
import { lsCommand } from "./commands/ls.js";
import { produceCommand } from "./commands/produce.js";
import { readCommand } from "./commands/read.js";
import { retentionCommand } from "./commands/retention.js";
import { streamCommand } from "./commands/stream.js";
import { subCommand } from "./commands/sub.js";
import { tailCommand } from "./commands/tail.js";
import { topicCommand } from "./commands/topic.js";
import { trimCommand } from "./commands/trim.js";
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from "./exit-codes.js";
import { failureDetails, failureLine, oneLine } from "./failure.js";
import { exitQuietlyOnBrokenPipe } from "./output/stdout.js";
import { URL_RULE_HELP } from "./stream-url.js";
import { packageVersion } from "./version.js";

const ROOT_HELP = `
${URL_RULE_HELP}

Environment:
  RIVULET_URL         default for --url
  RIVULET_TOKEN       default for --token (sent as Authorization: Bearer <token>)
  RIVULET_CONTEXT     default for --context
  RIVULET_CONFIG_DIR  where contexts are kept (default $XDG_CONFIG_HOME/rivulet,
                      else ~/.config/rivulet)
  NO_COLOR            no colours even on a terminal

Where --url and --token come from, first found wins: the flag; RIVULET_URL /
RIVULET_TOKEN; the context named by --context, else the current context
(rivulet context use); the default URL without a token. A context's token is
only sent to that context's URL.

${EXIT_CODES_HELP}

Errors are printed on stderr as one line, "rivulet: CODE: message" (stack with --verbose).

Examples:
  rivulet serve --store memory
  rivulet cluster up --nodes 3                   # PostgreSQL, three nodes and nginx, to try
  rivulet create chat --json
  echo '{"text":"hi"}' | rivulet append chat
  rivulet tail chat --from -1
  rivulet ls
  rivulet sub create orders --webhook https://hooks.example.com/orders --pattern 'orders/*'
  rivulet topic create orders --partitions 12
  rivulet produce orders '{"total":42}' --key customer-7
  rivulet consume orders --group billing --from earliest -- ./bill.sh
  rivulet group describe billing
  rivulet fsck --data-dir ./data
  rivulet migrate --store postgres://rivulet:secret@db/rivulet
  rivulet context add prod --url https://streams.example.com --token "$TOKEN" --use
  source <(rivulet completion bash)

Run "rivulet <command> --help" for a command's options and examples.`;

/** The client commands, in the order `rivulet --help` lists them. */
const CLIENT_COMMANDS: (() => Command)[] = [
  createCommand,
  appendCommand,
  readCommand,
  tailCommand,
  headCommand,
  closeCommand,
  deleteCommand,
  forkCommand,
  retentionCommand,
  trimCommand,
  lsCommand,
  subCommand,
  topicCommand,
  produceCommand,
  consumeCommand,
  groupCommand,
  streamCommand,
  benchCommand,
  contextCommand,
  completionCommand,
];

/**
 * The program for these arguments. The server is loaded only when it may be needed (`serve`,
 * the root help, an unknown command): client commands start in half the time without it.
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command("rivulet")
    .description("Rivulet: durable, append-only streams over HTTP")
    .version(packageVersion(), "-V, --version")
    .addHelpText("after", ROOT_HELP);
  const clients = CLIENT_COMMANDS.map((define) => define());
  const requested = argv[2];
  // Completion scripts cover every command, so they need the server's too.
  if (requested === "completion" || !clients.some((command) => command.name() === requested)) {
    const [{ serveCommand }, { fsckCommand }, { migrateCommand }, { clusterCommand }] = await Promise.all([
      import("./commands/serve.js"),
      import("./commands/fsck.js"),
      import("./commands/migrate.js"),
      import("./commands/cluster.js"),
    ]);
    program.addCommand(serveCommand());
    program.addCommand(fsckCommand());
    program.addCommand(migrateCommand());
    program.addCommand(clusterCommand());
  }
  for (const command of clients) program.addCommand(command);
  for (const command of withSubcommands(program)) {
    const name = commandPath(command);
    command.exitOverride().configureOutput({
      // Commander's usage errors get the same one-line shape as every other failure.
      outputError: (message, write) => write(`${paint(oneLine("USAGE", message))} (see ${name} --help)\n`),
    });
  }
  return program;
}

/** The command and all beneath it (`rivulet sub create` is two levels down). */
function withSubcommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(withSubcommands)];
}

/** `rivulet sub create`, for usage errors. */
function commandPath(command: Command): string {
  return command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name();
}

/** Runs the CLI and resolves to the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  exitQuietlyOnBrokenPipe();
  const program = await buildProgram(argv);
  let verbose = false;
  program.hook("preAction", (_program, action) => {
    verbose = action.opts().verbose === true;
  });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (error) {
    // Commander has already printed its own errors (and help or the version, which exit 0).
    if (!(error instanceof CommanderError)) {
      process.stderr.write(`${paint(failureLine(error))}\n`);
      if (verbose) process.stderr.write(`${failureDetails(error)}\n`);
    }
    return exitCodeFor(error);
  }
}

function paint(line: string): string {
  const colors = colorsFor(process.stderr);
  return line.replace(/^rivulet: ([A-Z_]+):/, (_, code: string) => `${colors.red("rivulet:")} ${colors.bold(code)}:`);
}
