/**
 * The command tree as completion scripts need it, read from the commander program itself, so
 * a new command or flag is completed as soon as it exists.
 */
import type { Command } from "commander";

export interface CompletionOption {
  /** Every spelling: `-H`, `--header`. */
  names: string[];
  /** Takes a value (`--url <url>`): the next word is that value, not a command. */
  takesValue: boolean;
  description: string;
}

export interface CompletionNode {
  /** Words from the program to this command: "" for the program, "topic create" below it. */
  path: string;
  name: string;
  description: string;
  options: CompletionOption[];
  subcommands: CompletionNode[];
}

const HELP_OPTION: CompletionOption = { names: ["-h", "--help"], takesValue: false, description: "display help" };

export function completionTree(command: Command, parentPath?: string): CompletionNode {
  const path = parentPath === undefined ? "" : parentPath === "" ? command.name() : `${parentPath} ${command.name()}`;
  const options = command.options
    .filter((option) => !option.hidden)
    .map((option) => ({
      names: [option.short, option.long].filter((name): name is string => name !== undefined),
      takesValue: option.required || option.optional,
      description: option.description,
    }));
  return {
    path,
    name: command.name(),
    description: command.description(),
    options: [...options, HELP_OPTION],
    subcommands: command.commands
      .filter((sub) => !(sub as { _hidden?: boolean })._hidden)
      .map((sub) => completionTree(sub, path)),
  };
}

/** The node and every node beneath it, depth first. */
export function allNodes(node: CompletionNode): CompletionNode[] {
  return [node, ...node.subcommands.flatMap(allNodes)];
}

/**
 * Positions whose value is a context name: `--context <name>` anywhere, and the argument of
 * `context use | rm | show`. The scripts ask `rivulet context ls --names` for them.
 */
export const CONTEXT_ARGUMENT_PATHS = ["context use", "context rm", "context show"];
export const CONTEXT_OPTION = "--context";
