/** `rivulet create`: content types, lifetime, closure, initial data, and its conflicts. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { errorLine, rivulet, scratchDirsForFile, serverForFile, uniqueName } from "./support/cli-process.js";
import { contentOf, createStream, headOf, messagesOf } from "./support/direct-http.js";

const server = serverForFile();
const scratchDir = scratchDirsForFile();
const cli = (...args: string[]) => rivulet([...args, "--url", server.url]);

describe.concurrent("rivulet create", () => {
  test("creates a stream with a content type and prints its tail offset", async () => {
    const name = uniqueName("plain");
    const { code, stdout, stderr } = await cli("create", name, "--content-type", "text/plain");
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toBe("0000000000000000_0000000000000000\n");
    expect((await headOf(server.url, name)).contentType).toBe("text/plain");
  });

  test("--json is application/json; creating the same stream again is fine", async () => {
    const name = uniqueName("json");
    expect((await cli("create", name, "--json")).code).toBe(0);
    expect((await cli("create", name, "--json")).code).toBe(0);
    expect((await headOf(server.url, name)).contentType).toBe("application/json");
  });

  test("a different configuration at the same name is a conflict: exit 3, one line", async () => {
    const name = uniqueName("taken");
    await createStream(server.url, name, { contentType: "application/json" });
    const { code, stderr } = await cli("create", name, "--content-type", "text/plain");
    expect(code).toBe(3);
    expect(stderr).toMatch(errorLine("ALREADY_EXISTS"));
  });

  test("--exclusive refuses even an identical stream", async () => {
    const name = uniqueName("exclusive");
    await createStream(server.url, name);
    const { code, stderr } = await cli("create", name, "--exclusive");
    expect(code).toBe(3);
    expect(stderr).toMatch(errorLine("ALREADY_EXISTS"));
  });

  test("--ttl and --expires-at set the lifetime; together they are a usage error", async () => {
    const withTtl = uniqueName("ttl");
    expect((await cli("create", withTtl, "--ttl", "1h")).code).toBe(0);
    expect((await headOf(server.url, withTtl)).ttl).toBe("3600");

    const withExpiry = uniqueName("expiry");
    expect((await cli("create", withExpiry, "--expires-at", "2099-01-01T00:00:00Z")).code).toBe(0);
    expect(Date.parse((await headOf(server.url, withExpiry)).expiresAt!)).toBe(Date.parse("2099-01-01T00:00:00Z"));

    const both = await cli("create", uniqueName("both"), "--ttl", "60", "--expires-at", "2099-01-01T00:00:00Z");
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(errorLine("USAGE"));
  });

  test("the server's refusal of a bad expiry time is exit 1 with its code", async () => {
    const { code, stderr } = await cli("create", uniqueName("bad-expiry"), "--expires-at", "tomorrow");
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("BAD_REQUEST"));
  });

  test("--closed with initial data: the data is all the stream holds", async () => {
    const name = uniqueName("closed");
    const created = await cli("create", name, "--content-type", "text/plain", "--closed", "final words");
    expect(created.code).toBe(0);
    expect(created.stdout).toBe("0000000000000000_0000000000000011\n");
    expect((await contentOf(server.url, name)).toString()).toBe("final words");
    expect((await headOf(server.url, name)).closed).toBe(true);
  });

  test("initial data from a file and from stdin", async () => {
    const dir = await scratchDir("rivulet-create-");
    const file = join(dir, "initial.bin");
    const bytes = Buffer.from([0, 1, 2, 254, 255, 10, 13]);
    await writeFile(file, bytes);
    const fromFile = uniqueName("from-file");
    expect((await cli("create", fromFile, "--file", file)).code).toBe(0);
    expect(await contentOf(server.url, fromFile)).toEqual(bytes);

    const fromStdin = uniqueName("from-stdin");
    const result = await rivulet(["create", fromStdin, "-t", "text/plain", "-", "--url", server.url], {
      input: "piped in\n",
    });
    expect(result.code).toBe(0);
    expect((await contentOf(server.url, fromStdin)).toString()).toBe("piped in\n");
  });

  test("initial data of a JSON stream is one message, even an array", async () => {
    const name = uniqueName("json-initial");
    expect((await cli("create", name, "--json", "[1,2,3]")).code).toBe(0);
    expect(await messagesOf(server.url, name)).toEqual([[1, 2, 3]]);
  });

  test("invalid JSON initial data is refused locally (INPUT, exit 1) and nothing is created", async () => {
    const name = uniqueName("json-invalid");
    const { code, stderr } = await cli("create", name, "--json", "{oops");
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("INPUT"));
    expect((await headOf(server.url, name)).exists).toBe(false);
  });

  test("a missing --file is an INPUT error", async () => {
    const { code, stderr } = await cli("create", uniqueName("no-file"), "--file", "/nonexistent/data.bin");
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("INPUT"));
    expect(stderr).toContain("ENOENT");
  });
});
