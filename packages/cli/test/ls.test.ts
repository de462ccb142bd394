/** `rivulet ls`: the admin listing, paged through `next`, as a table or JSON. */
import { describe, expect, test } from "vitest";
import { rivulet, serverForFile } from "./support/cli-process.js";
import { createStream } from "./support/direct-http.js";

const server = serverForFile();
const cli = (...args: string[]) => rivulet([...args, "--url", server.url]);

describe.concurrent("rivulet ls", () => {
  test("pages through the whole listing, in name order", async () => {
    const names = ["rooms/a", "rooms/b", "rooms/c", "rooms/d", "rooms/e"];
    for (const name of [...names, "roomsx"].reverse()) await createStream(server.url, name);

    const { code, stdout, stderr } = await cli("ls", "rooms/", "--json", "--page-size", "2", "--verbose");
    expect(code).toBe(0);
    const listed = JSON.parse(stdout) as { path: string }[];
    expect(listed.map((stream) => stream.path)).toEqual(names.map((name) => `/v1/stream/${name}`));
    // Five streams at two a page: three requests, each after the last path of the one before.
    const requests = stderr.split("\n").filter((line) => line.includes("/__ds/streams"));
    expect(requests).toHaveLength(3);
    expect(requests[1]).toContain(`after=${encodeURIComponent("/v1/stream/rooms/b")}`);
  });

  test("the table shows name, type, size, state and lineage", async () => {
    await createStream(server.url, "table/open", { contentType: "text/plain", body: "12345" });
    await createStream(server.url, "table/shut", { contentType: "application/json", closed: true });
    const fork = await fetch(`${server.url}/v1/stream/table/open-fork`, {
      method: "PUT",
      headers: { "stream-forked-from": "/v1/stream/table/open" },
    });
    expect(fork.status).toBe(201);
    const { code, stdout } = await cli("ls", "table/");
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^STREAM +CONTENT TYPE +SIZE +STATE +EXPIRES +FORKED FROM +CREATED$/);
    expect(lines.slice(1).map((line) => line.split(/ {2,}/).slice(0, 6))).toEqual([
      ["table/open", "text/plain", "5 B", "open", "-", "-"],
      ["table/open-fork", "text/plain", "5 B", "open", "-", "table/open"],
      ["table/shut", "application/json", "0 B", "closed", "-", "-"],
    ]);
  });

  test("--limit stops early; a prefix with no streams prints nothing", async () => {
    for (const name of ["limited/1", "limited/2", "limited/3"]) await createStream(server.url, name);
    const [limited, empty] = await Promise.all([
      cli("ls", "limited/", "--json", "--limit", "2"),
      cli("ls", "no-such-prefix/"),
    ]);
    expect((JSON.parse(limited.stdout) as unknown[]).length).toBe(2);
    expect({ code: empty.code, stdout: empty.stdout }).toEqual({ code: 0, stdout: "" });
  });

  test("a --url that is not a stream root is exit 2 with a hint", async () => {
    const { code, stderr } = await rivulet(["ls", "--url", `${server.url}/not/the/root`]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^rivulet: NOT_FOUND: Listing failed: .*stream root.*\n$/);
  });
});
