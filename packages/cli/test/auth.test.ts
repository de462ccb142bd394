/** The CLI against a real server with access control on: --token, RIVULET_TOKEN, exit code 4. */
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, uniqueName } from "./support/cli-process.js";

const TOKEN = "cli-test-token-0123456789";
const WRITE_ONLY = "cli-write-only-0123456789";
const tokensFile = join(tmpdir(), `rivulet-cli-tokens-${process.pid}.json`);
await writeFile(
  tokensFile,
  JSON.stringify([
    { token: TOKEN, scopes: ["read", "write", "admin"], id: "cli" },
    { token: WRITE_ONLY, scopes: ["write"], id: "writer" },
  ]),
);
const server = serverForFile(["--store", "memory", "--auth-tokens-file", tokensFile]);
afterAll(() => rm(tokensFile, { force: true }));

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

  describe("append with a token that may write but not read", () => {
    const as = (token: string) => ["--url", server.url, "--token", token];

    test("--content-type, --json or --batch say the stream's type: the append lands", async () => {
      const [text, json] = [uniqueName("w-text"), uniqueName("w-json")];
      await rivulet(["create", text, "--content-type", "text/plain", ...as(TOKEN)]);
      await rivulet(["create", json, "--json", ...as(TOKEN)]);
      const appends = [
        await rivulet(["append", text, "one;", "--content-type", "text/plain", ...as(WRITE_ONLY)]),
        await rivulet(["append", json, '{"n":1}', "--json", ...as(WRITE_ONLY)]),
        await rivulet(["append", json, "--batch", ...as(WRITE_ONLY)], { input: '{"n":2}\n{"n":3}\n' }),
        await rivulet(["append", json, '{"n":4}', "--json", "--producer", "w", ...as(WRITE_ONLY)]),
      ];
      expect(appends.map(({ code, stderr }) => ({ code, stderr }))).toEqual(Array(4).fill({ code: 0, stderr: "" }));
      expect(appends.every(({ stdout }) => /^\d{16}_\d{16}\n$/.test(stdout))).toBe(true);
      expect((await rivulet(["read", text, ...as(TOKEN)])).stdout).toBe("one;");
      expect((await rivulet(["read", json, ...as(TOKEN)])).stdout).toBe('{"n":1}\n{"n":2}\n{"n":3}\n{"n":4}\n');
    });

    test("without them: one FORBIDDEN line saying how to go on, exit 4, nothing written", async () => {
      const name = uniqueName("w-untyped");
      await rivulet(["create", name, "--content-type", "text/plain", ...as(TOKEN)]);
      const result = await rivulet(["append", name, "lost?", ...as(WRITE_ONLY)]);
      expect(result.code).toBe(4);
      expect(result.stderr).toMatch(errorLine("FORBIDDEN"));
      expect(result.stderr).toContain("--content-type");
      expect((await rivulet(["read", name, ...as(TOKEN)])).stdout).toBe("");
    });
  });
});
