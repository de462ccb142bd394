/** The CLI against a real server with access control on: --token, RIVULET_TOKEN, exit code 4. */
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, uniqueName } from "./support/cli-process.js";

const TOKEN = "cli-test-token-0123456789";
const tokensFile = join(tmpdir(), `rivulet-cli-tokens-${process.pid}.json`);
await writeFile(tokensFile, JSON.stringify([{ token: TOKEN, scopes: ["read", "write", "admin"], id: "cli" }]));
const server = serverForFile(["--store", "memory", "--auth-tokens-file", tokensFile]);

describe.concurrent("rivulet with authentication", () => {
  test("--token authorises create, append and read", async () => {
    const name = uniqueName("auth");
    const args = ["--url", server.url, "--token", TOKEN];
    expect((await rivulet(["create", name, ...args])).code).toBe(0);
    expect((await rivulet(["append", name, "hi", ...args])).code).toBe(0);
    const read = await rivulet(["read", name, ...args]);
    expect(read.code).toBe(0);
    expect(read.stdout).toBe("hi");
  });

  test("RIVULET_TOKEN works like --token", async () => {
    const result = await rivulet(["ls", "--url", server.url], { env: { RIVULET_TOKEN: TOKEN } });
    expect(result.code).toBe(0);
  });

  test("without a token: one UNAUTHORIZED line and exit code 4; the token is never printed", async () => {
    const missing = await rivulet(["create", uniqueName("anon"), "--url", server.url]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(errorLine("UNAUTHORIZED"));
    const wrong = await rivulet([
      "create",
      uniqueName("bad"),
      "--url",
      server.url,
      "--token",
      "wrong-token-0123456789",
    ]);
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).not.toContain("wrong-token-0123456789");
  });
});
