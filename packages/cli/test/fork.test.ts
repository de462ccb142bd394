/** `rivulet fork`: a new stream with the source's data up to an offset. */
import { describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, uniqueName } from "./support/cli-process.js";
import { appendTo, contentOf, createStream, headOf, messagesOf } from "./support/direct-http.js";

const server = serverForFile();
const cli = (...args: string[]) => rivulet([...args, "--url", server.url]);

describe.concurrent("rivulet fork", () => {
  test("forks at the tail by default, printing the fork's tail offset like every write; the two then diverge", async () => {
    const source = uniqueName("source");
    const fork = uniqueName("fork");
    await createStream(server.url, source, { contentType: "text/plain", body: "shared;" });
    const { code, stdout, stderr } = await cli("fork", source, fork);
    const tail = (await headOf(server.url, fork)).nextOffset;
    expect(tail).toBe((await headOf(server.url, source)).nextOffset);
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: `${tail}\n`, stderr: "" });
    await appendTo(server.url, source, "source only", "text/plain");
    await appendTo(server.url, fork, "fork only", "text/plain");
    expect((await contentOf(server.url, source)).toString()).toBe("shared;source only");
    expect((await contentOf(server.url, fork)).toString()).toBe("shared;fork only");
  });

  test("--offset picks the divergence point; --sub-offset inherits messages past it", async () => {
    const source = uniqueName("json-source");
    await createStream(server.url, source, { contentType: "application/json" });
    const start = await appendTo(server.url, source, '"a"', "application/json");
    await appendTo(server.url, source, '["b","c","d"]', "application/json");

    const [atOffset, withSub] = [uniqueName("at-offset"), uniqueName("sub-offset")];
    const forks = await Promise.all([
      cli("fork", source, atOffset, "--offset", start),
      cli("fork", source, withSub, "--offset", start, "--sub-offset", "2"),
    ]);
    expect(forks.map((fork) => fork.code)).toEqual([0, 0]);
    // Each prints its own tail: the divergence point, plus what --sub-offset inherited.
    expect(forks.map((fork) => fork.stdout)).toEqual([
      `${(await headOf(server.url, atOffset)).nextOffset}\n`,
      `${(await headOf(server.url, withSub)).nextOffset}\n`,
    ]);
    expect(forks[0]!.stdout).toBe(`${start}\n`);
    expect(forks[1]!.stdout).not.toBe(forks[0]!.stdout);
    expect(await messagesOf(server.url, atOffset)).toEqual(["a"]);
    expect(await messagesOf(server.url, withSub)).toEqual(["a", "b", "c"]);
  });

  test("forking a missing source is exit 2; onto an existing stream exit 3", async () => {
    const missing = await cli("fork", uniqueName("nothing"), uniqueName("target"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(errorLine("NOT_FOUND"));

    const source = uniqueName("taken-source");
    const taken = uniqueName("taken");
    await createStream(server.url, source, { contentType: "text/plain" });
    await createStream(server.url, taken, { contentType: "application/json" });
    const conflict = await cli("fork", source, taken);
    expect(conflict.code).toBe(3);
    expect(conflict.stderr).toMatch(/^rivulet: (ALREADY_EXISTS|CONFIG_CONFLICT): [^\n]+\n$/);
  });
});
