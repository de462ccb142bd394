/**
 * The upload progress line of `append`: shown when stderr is a terminal and the input is piped
 * or large; never when stderr is not a terminal. A pseudo-terminal comes from util-linux
 * `script`, which every Linux CI image has; without it the terminal cases cannot run.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { RIVULET_BIN } from "../../server/test/support/spawn-server.js";
import { cleanEnv, rivulet, scratchDirsForFile, serverForFile, uniqueName } from "./support/cli-process.js";
import { contentOf, createStream } from "./support/direct-http.js";

const server = serverForFile();
const scratchDir = scratchDirsForFile();
const hasScript = spawnSync("script", ["--version"]).status === 0;
const bytes = randomBytes(3 * 1024 * 1024);
let bigFile = "";

beforeAll(async () => {
  bigFile = join(await scratchDir("rivulet-progress-"), "big.bin");
  await writeFile(bigFile, bytes);
});

/** Runs a shell command line with stdout and stderr on a pseudo-terminal; resolves to what it showed. */
function onTerminal(commandLine: string): Promise<{ code: number | null; screen: string }> {
  const child = spawn("script", ["-qec", commandLine, "/dev/null"], {
    env: cleanEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let screen = "";
  child.stdout.on("data", (chunk: Buffer) => {
    screen += chunk.toString();
  });
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, screen })));
}

const rivuletLine = (args: string) => `"${process.execPath}" "${RIVULET_BIN}" ${args} --url ${server.url}`;

async function createdStream(): Promise<string> {
  const name = uniqueName("progress");
  await createStream(server.url, name);
  return name;
}

describe.concurrent("append progress", () => {
  test("stderr not a terminal: no progress output at all, even for a large file", async () => {
    const name = await createdStream();
    const { code, stderr } = await rivulet(["append", name, "--file", bigFile, "--url", server.url]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
  });

  // Skipped only where util-linux `script` is missing: there is no other portable pseudo-terminal.
  test.skipIf(!hasScript)("a large file on a terminal: a bar with percentage, size and bytes/s", async () => {
    const name = await createdStream();
    const { code, screen } = await onTerminal(rivuletLine(`append ${name} --file ${bigFile}`));
    expect(code).toBe(0);
    expect(screen).toMatch(/100% \| 3\.00 MiB of 3\.00 MiB \| [\d.]+ (B|KiB|MiB|GiB)\/s/);
    expect((await contentOf(server.url, name)).equals(bytes)).toBe(true);
  });

  test.skipIf(!hasScript)("piped stdin on a terminal: bytes sent and bytes/s, no percentage", async () => {
    const name = await createdStream();
    const { code, screen } = await onTerminal(`head -c 2000000 /dev/zero | ${rivuletLine(`append ${name}`)}`);
    expect(code).toBe(0);
    expect(screen).toMatch(/appending \| 1\.91 MiB \| [\d.]+ (B|KiB|MiB|GiB)\/s/);
    expect((await contentOf(server.url, name)).length).toBe(2_000_000);
  });

  test.skipIf(!hasScript)("--no-progress keeps a terminal quiet", async () => {
    const name = await createdStream();
    const { code, screen } = await onTerminal(rivuletLine(`append ${name} --file ${bigFile} --no-progress`));
    expect(code).toBe(0);
    expect(screen.trim()).toBe(`0000000000000000_${String(bytes.length).padStart(16, "0")}`);
  });
});
