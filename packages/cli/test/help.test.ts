/**
 * `--help` for the program and every command, and how usage mistakes are reported: one line,
 * code USAGE, exit 1, a pointer to the command's help.
 */
import { describe, expect, test } from "vitest";
import { errorLine, rivulet } from "./support/cli-process.js";

const CLIENT_COMMANDS = [
  "create",
  "append",
  "read",
  "tail",
  "head",
  "close",
  "delete",
  "fork",
  "retention",
  "trim",
  "ls",
  "bench",
];

describe.concurrent("rivulet --help", () => {
  test("lists every command, the --url rule, the environment and the exit codes", async () => {
    const { code, stdout } = await rivulet(["--help"]);
    expect(code).toBe(0);
    for (const command of ["serve", ...CLIENT_COMMANDS]) expect(stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    expect(stdout).toContain("Streams and --url:");
    expect(stdout).toContain("chat -> http://127.0.0.1:4437/v1/stream/chat");
    expect(stdout).toContain("RIVULET_TOKEN");
    for (const exit of ["0 ", "1 ", "2 ", "3 ", "4 ", "5 ", "130 "])
      expect(stdout).toMatch(new RegExp(`^  ${exit}`, "m"));
    expect(stdout).toMatch(/^ {2}2 +not found: .*NOT_FOUND/m);
  });

  test.each(CLIENT_COMMANDS)("rivulet %s --help shows usage, the connection options and examples", async (command) => {
    const { code, stdout, stderr } = await rivulet([command, "--help"]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toMatch(new RegExp(`^Usage: rivulet ${command} `));
    for (const option of ["--url <url>", "--header <header>", "--token <token>", "--verbose"]) {
      expect(stdout).toContain(option);
    }
    expect(stdout).toMatch(new RegExp(`Examples:\\n(  rivulet ${command}|  .*\\| rivulet ${command}|  [A-Z]+=)`));
  });

  test("rivulet help <command> is the same as <command> --help", async () => {
    const [viaHelp, viaFlag] = await Promise.all([rivulet(["help", "tail"]), rivulet(["tail", "--help"])]);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  test("--version prints the package version", async () => {
    const { code, stdout } = await rivulet(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe.concurrent("usage errors", () => {
  test("a missing argument is one USAGE line pointing at the command's help, exit 1", async () => {
    const { code, stdout, stderr } = await rivulet(["read"]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(errorLine("USAGE"));
    expect(stderr).toBe("rivulet: USAGE: missing required argument 'stream' (see rivulet read --help)\n");
  });

  test("an unknown command and an unknown option are usage errors", async () => {
    const unknownCommand = await rivulet(["frobnicate"]);
    expect(unknownCommand.code).toBe(1);
    expect(unknownCommand.stderr).toMatch(errorLine("USAGE"));
    const unknownOption = await rivulet(["read", "x", "--prety"]);
    expect(unknownOption.code).toBe(1);
    expect(unknownOption.stderr).toMatch(errorLine("USAGE"));
    expect(unknownOption.stderr).toContain("--pretty");
  });

  test("a bad option value is a usage error naming the value", async () => {
    const { code, stderr } = await rivulet(["create", "x", "--ttl", "soon"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("USAGE"));
    expect(stderr).toContain("soon");
  });

  test("conflicting options are refused before anything is sent", async () => {
    const { code, stderr } = await rivulet(["create", "x", "--json", "--content-type", "text/plain"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("USAGE"));
  });

  test("a malformed --header is a usage error", async () => {
    const { code, stderr } = await rivulet(["head", "x", "--header", "no colon here"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("USAGE"));
  });

  test("a stream name with a leading slash is refused with the rule", async () => {
    const { code, stderr } = await rivulet(["head", "/v1/stream/x"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("USAGE"));
    expect(stderr).toContain("relative to the stream root");
  });
});
