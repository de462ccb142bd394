/** `rivulet read`: catch-up reads to stdout, raw or as JSON lines, from an offset, or just the offset. */
import { spawn } from "node:child_process";
import { describe, expect, test } from "vitest";
import { RIVULET_BIN } from "../../server/test/support/spawn-server.js";
import { cleanEnv, errorLine, rivulet, serverForFile, uniqueName } from "./support/cli-process.js";
import { appendTo, createStream } from "./support/direct-http.js";

const server = serverForFile();
const cli = (args: string[]) => rivulet([...args, "--url", server.url]);
const TEXT = { contentType: "text/plain" };

describe.concurrent("rivulet read", () => {
  test("prints a byte stream's bytes exactly, every byte value included", async () => {
    const name = uniqueName("bytes");
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await createStream(server.url, name, { body: bytes });
    const { code, stdoutBytes, stderr } = await cli(["read", name]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdoutBytes.equals(bytes)).toBe(true);
  });

  test("prints a JSON stream as one message per line, or indented with --pretty", async () => {
    const name = uniqueName("json");
    await createStream(server.url, name, { contentType: "application/json" });
    await appendTo(server.url, name, '[{"role":"user","text":"hi"},[1,2]]', "application/json");
    await appendTo(server.url, name, '"three"', "application/json");
    const [plain, pretty] = await Promise.all([cli(["read", name]), cli(["read", name, "--pretty"])]);
    expect(plain.stdout).toBe('{"role":"user","text":"hi"}\n[1,2]\n"three"\n');
    expect(pretty.stdout).toBe('{\n  "role": "user",\n  "text": "hi"\n}\n[\n  1,\n  2\n]\n"three"\n');
  });

  test("--from starts after an offset an earlier command printed", async () => {
    const name = uniqueName("from");
    await createStream(server.url, name, { ...TEXT, body: "old " });
    const offset = await appendTo(server.url, name, "older ", "text/plain");
    await appendTo(server.url, name, "new", "text/plain");
    const { code, stdout } = await cli(["read", name, "--from", offset]);
    expect(code).toBe(0);
    expect(stdout).toBe("new");
  });

  test("--offset-only prints the tail offset, where the next read resumes", async () => {
    const name = uniqueName("offset");
    await createStream(server.url, name, { ...TEXT, body: "12345" });
    const { code, stdout } = await cli(["read", name, "--offset-only"]);
    expect(code).toBe(0);
    expect(stdout).toBe("0000000000000000_0000000000000005\n");
    expect((await cli(["read", name, "--from", stdout.trim()])).stdout).toBe("");
  });

  test("--pretty on a stream that is not JSON is a usage error", async () => {
    const name = uniqueName("pretty-text");
    await createStream(server.url, name, { ...TEXT, body: "x" });
    const { code, stderr } = await cli(["read", name, "--pretty"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("USAGE"));
  });

  test("an offset the server rejects is exit 1; a missing stream exit 2", async () => {
    const name = uniqueName("bad-offset");
    await createStream(server.url, name, { ...TEXT, body: "x" });
    const badOffset = await cli(["read", name, "--from", "not-an-offset"]);
    expect(badOffset.code).toBe(1);
    expect(badOffset.stderr).toMatch(errorLine("BAD_REQUEST"));
    const missing = await cli(["read", uniqueName("missing")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(errorLine("NOT_FOUND"));
  });

  test("a reader that stops early (| head) ends the read quietly", async () => {
    const name = uniqueName("pipe");
    await createStream(server.url, name, { ...TEXT, body: "x".repeat(4 * 1024 * 1024) });
    const shell = spawn(
      "sh",
      ["-c", `"${process.execPath}" "${RIVULET_BIN}" read ${name} --url ${server.url} | head -c 3`],
      {
        env: cleanEnv(),
      },
    );
    let stdout = "";
    let stderr = "";
    shell.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    shell.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await new Promise((resolve) => shell.once("close", resolve));
    expect(stdout).toBe("xxx");
    expect(stderr).toBe("");
  });
});
