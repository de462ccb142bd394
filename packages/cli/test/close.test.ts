/** `rivulet close`: closes a stream, optionally with a final append, and is safe to repeat. */
import { describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, uniqueName } from "./support/cli-process.js";
import { contentOf, createStream, headOf, messagesOf } from "./support/direct-http.js";

const server = serverForFile();
const cli = (args: string[], input?: string) =>
  rivulet([...args, "--url", server.url], input === undefined ? {} : { input });
const isClosed = async (name: string) => (await headOf(server.url, name)).closed;

describe.concurrent("rivulet close", () => {
  test("closes the stream and prints its final offset; closing again is fine", async () => {
    const name = uniqueName("plain");
    await createStream(server.url, name, { contentType: "text/plain", body: "data" });
    const first = await cli(["close", name]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe("0000000000000000_0000000000000004\n");
    expect(await isClosed(name)).toBe(true);
    expect((await cli(["close", name])).code).toBe(0);
  });

  test("final data is appended with the close, atomically", async () => {
    const name = uniqueName("final");
    await createStream(server.url, name, { contentType: "text/plain", body: "body;" });
    expect((await cli(["close", name, "the end"])).code).toBe(0);
    expect((await contentOf(server.url, name)).toString()).toBe("body;the end");
    expect(await isClosed(name)).toBe(true);
  });

  test("final data from stdin; on a JSON stream it is one message", async () => {
    const name = uniqueName("json");
    await createStream(server.url, name, { contentType: "application/json" });
    expect((await cli(["close", name, "-"], '["a","b"]')).code).toBe(0);
    expect(await messagesOf(server.url, name)).toEqual([["a", "b"]]);
  });

  test("final data for a stream that is already closed is a conflict, exit 3", async () => {
    const name = uniqueName("twice");
    await createStream(server.url, name, { contentType: "text/plain", closed: true });
    const { code, stderr } = await cli(["close", name, "too late"]);
    expect(code).toBe(3);
    expect(stderr).toMatch(errorLine("STREAM_CLOSED"));
  });

  test("a missing stream is exit 2", async () => {
    const { code, stderr } = await cli(["close", uniqueName("missing")]);
    expect(code).toBe(2);
    expect(stderr).toMatch(errorLine("NOT_FOUND"));
  });
});
