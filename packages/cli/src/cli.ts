/**
 * The `rivulet` command line: one subcommand per file under commands/. Every failure ends
 * here and is printed as one line, `rivulet: CODE: message`, with an exit code from
 * exit-codes.ts; --verbose adds the details and the stack.
 */
import { Command, CommanderError } from "commander";
import { colorsFor } from "./colors.js";
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

type CommandModule = () => Promise<Command>;

/**
 * Every command by name, in the order `rivulet --help` lists them. Each is imported only when
 * it may run: one command's modules (the server for `serve`, the Kafka SDK for `produce`) are
 * most of a start-up, and a client command started in well under half the time without the
 * others'.
 */
const COMMANDS: Readonly<Record<string, CommandModule>> = {
  serve: async () => (await import("./commands/serve.js")).serveCommand(),
  fsck: async () => (await import("./commands/fsck.js")).fsckCommand(),
  migrate: async () => (await import("./commands/migrate.js")).migrateCommand(),
  cluster: async () => (await import("./commands/cluster.js")).clusterCommand(),
  create: async () => (await import("./commands/create.js")).createCommand(),
  append: async () => (await import("./commands/append.js")).appendCommand(),
  read: async () => (await import("./commands/read.js")).readCommand(),
  tail: async () => (await import("./commands/tail.js")).tailCommand(),
  head: async () => (await import("./commands/head.js")).headCommand(),
  close: async () => (await import("./commands/close.js")).closeCommand(),
  delete: async () => (await import("./commands/delete.js")).deleteCommand(),
  fork: async () => (await import("./commands/fork.js")).forkCommand(),
  retention: async () => (await import("./commands/retention.js")).retentionCommand(),
  trim: async () => (await import("./commands/trim.js")).trimCommand(),
  ls: async () => (await import("./commands/ls.js")).lsCommand(),
  sub: async () => (await import("./commands/sub.js")).subCommand(),
  topic: async () => (await import("./commands/topic.js")).topicCommand(),
  produce: async () => (await import("./commands/produce.js")).produceCommand(),
  consume: async () => (await import("./commands/consume.js")).consumeCommand(),
  group: async () => (await import("./commands/group.js")).groupCommand(),
  stream: async () => (await import("./commands/stream.js")).streamCommand(),
  bench: async () => (await import("./commands/bench.js")).benchCommand(),
  context: async () => (await import("./commands/context.js")).contextCommand(),
  completion: async () => (await import("./commands/completion.js")).completionCommand(),
};

/**
 * The program for these arguments: the named command alone, none for the version, or every
 * command for the root help, an unknown command and completion scripts (which cover them all).
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command("rivulet")
    .description("Rivulet: durable, append-only streams over HTTP")
    .version(packageVersion(), "-V, --version")
    .addHelpText("after", ROOT_HELP);
  for (const command of await Promise.all(commandsFor(argv[2]).map((load) => load()))) program.addCommand(command);
  for (const command of withSubcommands(program)) {
    const name = commandPath(command);
    command.exitOverride().configureOutput({
      // Commander's usage errors get the same one-line shape as every other failure.
      outputError: (message, write) => write(`${paint(oneLine("USAGE", message))} (see ${name} --help)\n`),
    });
  }
  return program;
}

/** The commands `requested` (the first argument) needs defined. */
function commandsFor(requested: string | undefined): CommandModule[] {
  if (requested === "--version" || requested === "-V") return [];
  // Completion scripts cover every command.
  if (requested === undefined || requested === "completion" || !Object.hasOwn(COMMANDS, requested)) {
    return Object.values(COMMANDS);
  }
  return [COMMANDS[requested]!];
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
