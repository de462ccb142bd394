/** `rivulet head`: a stream's metadata for people, and as JSON for scripts. */
import { describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, uniqueName } from "./support/cli-process.js";
import { createStream } from "./support/direct-http.js";

const server = serverForFile();
const cli = (...args: string[]) => rivulet([...args, "--url", server.url]);

describe.concurrent("rivulet head", () => {
  test("--json: url, content type, offsets, closure, lifetime, message count and retention", async () => {
    const name = uniqueName("meta");
    await createStream(server.url, name, { contentType: "text/plain", ttlSeconds: 90, body: "abc" });
    const { code, stdout } = await cli("head", name, "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      url: `${server.url}/v1/stream/${name}`,
      contentType: "text/plain",
      nextOffset: "0000000000000000_0000000000000003",
      closed: false,
      ttlSeconds: 90,
      expiresAt: null,
      earliestOffset: "0000000000000000_0000000000000000",
      nextSeq: 1,
      retentionMs: null,
      retentionBytes: null,
    });
  });

  test("the human form has one labelled line per fact, and no colour when not on a terminal", async () => {
    const name = uniqueName("human");
    await createStream(server.url, name, { contentType: "application/json", closed: true });
    const { code, stdout } = await cli("head", name);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        `url          ${server.url}/v1/stream/${name}`,
        "content type application/json",
        "next offset  0000000000000000_0000000000000000",
        "closed       yes",
        "ttl          -",
        "expires at   -",
        "earliest     0000000000000000_0000000000000000",
        "next seq     0",
        "retention    -",
        "",
      ].join("\n"),
    );
  });

  test("FORCE_COLOR colours the labels; NO_COLOR wins over it", async () => {
    const name = uniqueName("colour");
    await createStream(server.url, name);
    const [forced, both] = await Promise.all([
      rivulet(["head", name, "--url", server.url], { env: { FORCE_COLOR: "1" } }),
      rivulet(["head", name, "--url", server.url], { env: { FORCE_COLOR: "1", NO_COLOR: "1" } }),
    ]);
    expect(forced.stdout).toContain("\u001b[2murl");
    expect(both.stdout).not.toContain("\u001b[");
  });

  test("a full stream URL works without --url", async () => {
    const name = uniqueName("full-url");
    await createStream(server.url, name);
    const { code, stdout } = await rivulet(["head", `${server.url}/v1/stream/${name}`, "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).url).toBe(`${server.url}/v1/stream/${name}`);
  });

  test("RIVULET_URL stands in for --url, with or without the stream root's path", async () => {
    const name = uniqueName("env-url");
    await createStream(server.url, name);
    const roots = [server.url, `${server.url}/v1/stream`, `${server.url}/v1/stream/`];
    const results = await Promise.all(
      roots.map((url) => rivulet(["head", name, "--json"], { env: { RIVULET_URL: url } })),
    );
    for (const { code, stdout } of results) {
      expect(code).toBe(0);
      expect(JSON.parse(stdout).url).toBe(`${server.url}/v1/stream/${name}`);
    }
  });

  test("a missing stream is exit 2", async () => {
    const { code, stdout, stderr } = await cli("head", uniqueName("missing"));
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(errorLine("NOT_FOUND"));
  });
});
