/**
 * `rivulet completion bash|zsh|fish`: each script is run by its real shell (zsh with its
 * completion builtins stood in for, since they only exist inside a line editor) and must
 * complete subcommands, flags, flag values and context names; and the scripts are made from
 * the program's own command tree, so every command and flag is in them.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RIVULET_BIN } from "../../server/test/support/spawn-server.js";
import { buildProgram } from "../src/cli.js";
import { allNodes, completionTree } from "../src/completion/tree.js";
import { cleanEnv, rivulet } from "./support/cli-process.js";

const hasShell = (shell: string) => spawnSync(shell, ["-c", "true"]).status === 0;

let dir = "";
let env: NodeJS.ProcessEnv = {};
const scripts: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-completion-"));
  // `rivulet` on PATH, as an installed one would be: the scripts ask it for context names.
  const bin = join(dir, "bin");
  await mkdir(bin);
  await writeFile(join(bin, "rivulet"), `#!/bin/sh\nexec "${process.execPath}" "${RIVULET_BIN}" "$@"\n`);
  await chmod(join(bin, "rivulet"), 0o755);
  env = cleanEnv({ RIVULET_CONFIG_DIR: join(dir, "config"), PATH: `${bin}:${process.env.PATH}` });
  for (const name of ["prod", "staging"]) {
    await rivulet(["context", "add", name, "--url", "http://127.0.0.1:1"], {
      env: { RIVULET_CONFIG_DIR: join(dir, "config") },
    });
  }
  for (const shell of ["bash", "zsh", "fish"]) {
    const { code, stdout, stderr } = await rivulet(["completion", shell]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    scripts[shell] = stdout;
    await writeFile(join(dir, `completion.${shell}`), stdout);
  }
});

afterAll(() => rm(dir, { recursive: true, force: true }));

const lines = (text: string) => text.split("\n").filter((line) => line !== "");

/** What bash offers for the words typed, the last one being completed. */
function bash(words: string[]): string[] {
  const program = `source ${join(dir, "completion.bash")}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _rivulet; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return lines(execFileSync("bash", ["-c", program], { env, encoding: "utf8" }));
}

/** What zsh offers: _describe and compadd print the names they would offer, _files says so. */
function zsh(words: string[]): string[] {
  const program = `
compdef() { : }
_describe() { print -rl -- "\${(@)\${(@P)\${@[-1]}}%%:*}" }
compadd() { print -rl -- "\${(@P)\${@[-1]}}" }
_files() { print '<files>' }
_normal() { print "<command \${words[*]}>" }
source ${join(dir, "completion.zsh")}
words=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}; _rivulet`;
  return lines(execFileSync("zsh", ["-c", program], { env, encoding: "utf8" }));
}

/** What fish offers (names only) for a command line. */
function fish(line: string): string[] {
  const program = `source ${join(dir, "completion.fish")}; complete -C ${JSON.stringify(line)}`;
  return lines(execFileSync("fish", ["-c", program], { env, encoding: "utf8" })).map((entry) => entry.split("\t")[0]!);
}

describe("the scripts come from the command tree", () => {
  test("every command path and flag of the program is in every script", async () => {
    const tree = completionTree(await buildProgram(["node", "rivulet", "completion"]));
    const nodes = allNodes(tree);
    expect(nodes.map((node) => node.path)).toEqual(expect.arrayContaining(["context use", "sub worker", "serve"]));
    for (const node of nodes) {
      expect(scripts.bash).toContain(`${JSON.stringify(node.path)}) echo`);
      expect(scripts.zsh).toContain(`'${node.path}')`);
      expect(scripts.fish).toContain(`case '${node.path}'`);
      for (const option of node.options)
        for (const name of option.names) expect(scripts.bash, `${node.path} ${name}`).toContain(name);
    }
  });

  test("an unknown shell is a usage error listing the choices", async () => {
    const { code, stderr } = await rivulet(["completion", "tcsh"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^rivulet: USAGE: .*bash, zsh, fish/);
  });
});

describe("bash", () => {
  test("commands, subcommands past flags and their values, flags, context names, files after --", () => {
    expect(bash(["rivulet", "cont"])).toEqual(["context"]);
    expect(bash(["rivulet", "--url", "http://x", "sub", "w"])).toEqual(["worker"]);
    expect(bash(["rivulet", "context", "use", ""])).toEqual(["prod", "staging"]);
    expect(bash(["rivulet", "tail", "chat", "--fr"])).toEqual(["--from"]);
    expect(bash(["rivulet", "ls", "--context", "st"])).toEqual(["staging"]);
    // A flag's value and what follows -- are left to bash's file completion.
    expect(bash(["rivulet", "append", "x", "--file", ""])).toEqual([]);
    expect(bash(["rivulet", "sub", "worker", "x", "--", "ec"])).toEqual([]);
  });
});

describe("zsh", () => {
  // Not installed everywhere; the script is still generated and its shape checked above.
  test.runIf(hasShell("zsh"))("the same completions, and -- hands over to the command's own", () => {
    expect(zsh(["rivulet", "cont"])).toContain("context");
    expect(zsh(["rivulet", "--url", "http://x", "sub", ""])).toEqual(["create", "ls", "show", "delete", "worker"]);
    expect(zsh(["rivulet", "context", "use", ""])).toEqual(["prod", "staging"]);
    expect(zsh(["rivulet", "tail", "chat", "--fr"])).toContain("--from");
    expect(zsh(["rivulet", "ls", "--context", ""])).toEqual(["prod", "staging"]);
    expect(zsh(["rivulet", "append", "x", "--file", ""])).toEqual(["<files>"]);
    expect(zsh(["rivulet", "sub", "worker", "x", "--", "ec"])).toEqual(["<command ec>"]);
  });
});

describe("fish", () => {
  // Not installed everywhere; the script is still generated and its shape checked above.
  test.runIf(hasShell("fish"))("the same completions", () => {
    expect(fish("rivulet cont")).toEqual(["context"]);
    expect(fish("rivulet --url http://x sub ")).toEqual(["create", "delete", "ls", "show", "worker"]);
    expect(fish("rivulet context use ")).toEqual(["prod", "staging"]);
    expect(fish("rivulet tail chat --fr")).toContain("--from");
    expect(fish("rivulet ls --context ")).toEqual(["prod", "staging"]);
  });
});
