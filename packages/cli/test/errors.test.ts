/**
 * How failures reach a script: the exit code for each family, one `rivulet: CODE: message`
 * line, a stack only with --verbose. Auth and server failures come from a stub server that
 * answers like a Durable Streams server would, so each status can be produced on demand.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closedPort, errorLine, rivulet } from "./support/cli-process.js";

const TOKEN = "s3cret-token";
let stub: Server;
let stubUrl = "";
const seen: IncomingMessage["headers"][] = [];

beforeAll(async () => {
  stub = createServer((request, response) => {
    seen.push(request.headers);
    const path = request.url?.split("?")[0];
    const fail = (status: number, code: string) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { code, message: `stub says ${code}` } }));
    };
    if (path === "/v1/stream/broken") return fail(500, "INTERNAL");
    if (path === "/v1/stream/forbidden") return fail(403, "FORBIDDEN");
    if (request.headers.authorization !== `Bearer ${TOKEN}`) return fail(401, "UNAUTHORIZED");
    response.writeHead(200, {
      "content-type": "text/plain",
      "stream-next-offset": "0000000000000000_0000000000000000",
    });
    response.end();
  });
  await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
  stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => stub.close(resolve));
});

const lastHeaders = () => seen[seen.length - 1]!;

describe("authentication", () => {
  test("--token sends a bearer token; without it the 401 is exit 4", async () => {
    const denied = await rivulet(["head", "private", "--url", stubUrl]);
    expect(denied.code).toBe(4);
    expect(denied.stderr).toMatch(errorLine("UNAUTHORIZED"));

    const allowed = await rivulet(["head", "private", "--url", stubUrl, "--token", TOKEN]);
    expect(allowed.code).toBe(0);
    expect(lastHeaders().authorization).toBe(`Bearer ${TOKEN}`);
  });

  test("RIVULET_TOKEN stands in for --token", async () => {
    const { code } = await rivulet(["head", "private", "--url", stubUrl], { env: { RIVULET_TOKEN: TOKEN } });
    expect(code).toBe(0);
  });

  test("--header sends any header, repeatable, and can carry the authorization itself", async () => {
    const { code } = await rivulet([
      ...["head", "private", "--url", stubUrl],
      ...["--header", `Authorization: Bearer ${TOKEN}`, "-H", "X-Tenant: acme"],
    ]);
    expect(code).toBe(0);
    expect(lastHeaders()["x-tenant"]).toBe("acme");
  });

  test("403 is exit 4 too", async () => {
    const { code, stderr } = await rivulet(["head", "forbidden", "--url", stubUrl, "--token", TOKEN]);
    expect(code).toBe(4);
    expect(stderr).toMatch(errorLine("FORBIDDEN"));
  });

  test("--verbose logs requests but never the token", async () => {
    const { stderr } = await rivulet(["head", "private", "--url", stubUrl, "--token", TOKEN, "--verbose"]);
    expect(stderr).toMatch(/HEAD http:\/\/127\.0\.0\.1:\d+\/v1\/stream\/private -> 200/);
    expect(stderr).not.toContain(TOKEN);
  });
});

describe("server and network failures", () => {
  test("a 5xx is exit 5 once --retries are used up", async () => {
    const { code, stderr } = await rivulet(["head", "broken", "--url", stubUrl, "--retries", "1", "--verbose"]);
    expect(code).toBe(5);
    expect(stderr).toMatch(/retrying in \d+ ms \(attempt 1\) after SERVER_ERROR/);
    expect(stderr).toMatch(/^rivulet: SERVER_ERROR: /m);
  });

  test("no server listening is exit 5: one line, no stack", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { code, stdout, stderr } = await rivulet(["read", "x", "--url", url, "--retries", "0"]);
    expect(code).toBe(5);
    expect(stdout).toBe("");
    expect(stderr).toMatch(errorLine("NETWORK"));
    expect(stderr).toContain("ECONNREFUSED");
  });

  test("--verbose adds the details and the stack after the line", async () => {
    // A read, not a HEAD: only a response with a body carries the server's error code.
    const { code, stderr } = await rivulet(["read", "broken", "--url", stubUrl, "--retries", "0", "--verbose"]);
    expect(code).toBe(5);
    const lines = stderr.split("\n");
    const errorAt = lines.findIndex((line) => line.startsWith("rivulet: SERVER_ERROR: "));
    expect(errorAt).toBeGreaterThanOrEqual(0);
    expect(lines[errorAt + 1]).toMatch(/status 500, server code INTERNAL, retryable/);
    expect(stderr).toMatch(/\n {4}at /);
  });

  test("a --url that is not http(s) is a usage error", async () => {
    const { code, stderr } = await rivulet(["head", "x", "--url", "ftp://example.com"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("USAGE"));
  });
});
