/**
 * `rivulet completion bash|zsh|fish`: prints a completion script made from the program's own
 * command tree, so it completes every command and flag this version has.
 */
import { Argument, Command } from "commander";
import { bashScript } from "../completion/bash.js";
import { fishScript } from "../completion/fish.js";
import { completionTree } from "../completion/tree.js";
import { zshScript } from "../completion/zsh.js";
import { writeOut } from "../output/stdout.js";

const SCRIPTS = { bash: bashScript, zsh: zshScript, fish: fishScript };

export function completionCommand(): Command {
  return new Command("completion")
    .description("Print a shell completion script (bash, zsh or fish)")
    .addArgument(new Argument("<shell>", "the shell").choices(Object.keys(SCRIPTS)))
    .addHelpText(
      "after",
      `
Completes commands, subcommands and flags, and context names after --context and
"context use|rm|show". Regenerate it after upgrading rivulet.

Examples:
  source <(rivulet completion bash)                                  # bash, this shell
  rivulet completion bash > ~/.local/share/bash-completion/completions/rivulet
  source <(rivulet completion zsh)                                   # zsh, after compinit
  rivulet completion zsh > "\${fpath[1]}/_rivulet"
  rivulet completion fish > ~/.config/fish/completions/rivulet.fish`,
    )
    .action(async (shell: keyof typeof SCRIPTS, _flags: unknown, command: Command) => {
      let root = command;
      while (root.parent) root = root.parent;
      await writeOut(SCRIPTS[shell](completionTree(root)));
    });
}
