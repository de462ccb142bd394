/**
 * `rivulet sub create | ls | show | delete`: flags that mirror a subscription's configuration,
 * tables and --json, the server's refusals as one error line with their exit code, and help.
 */
import { SubscriptionsClient } from "@rivulet/client/subscriptions";
import { describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, uniqueName } from "./support/cli-process.js";
import { createStream } from "./support/direct-http.js";

const server = serverForFile(["--store", "memory", "--webhook-allow", "127.0.0.1,localhost"]);
/** Each run ends by itself; the limit only matters on a machine so busy that node takes seconds to start. */
const LIMIT = { timeoutMs: 60_000 };
const cli = (...args: string[]) => rivulet([...args, "--url", server.url], LIMIT);
const subs = () => new SubscriptionsClient({ baseUrl: `${server.url}/v1/stream` });
const hook = "http://127.0.0.1:9/hook";

describe.concurrent("rivulet sub create", () => {
  test("creates, then says unchanged for an identical one, and exit 3 for a different one", async () => {
    const id = uniqueName("orders");
    const first = await cli("sub", "create", id, "--webhook", hook, "--pattern", "orders/*", "--lease-ttl", "5s");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`^created\\nid +${id}\\ntype +webhook\\nwebhook +${hook}\\npattern +orders/\\*\\nlease +5 s\\n`),
    );
    expect(first.stdout).toMatch(/\nsigning key +ds_/);
    const again = await cli("sub", "create", id, "--webhook", hook, "--pattern", "orders/*", "--lease-ttl", "5s");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^unchanged \(an identical subscription exists\)\n/);
    const other = await cli("sub", "create", id, "--webhook", hook, "--pattern", "orders/**");
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(errorLine("SUBSCRIPTION_EXISTS"));
  });

  test("--json prints the subscription; --stream is repeatable and takes several paths", async () => {
    const id = uniqueName("audit");
    const wake = uniqueName("wake");
    await createStream(server.url, wake, { contentType: "application/json" });
    const { code, stdout } = await cli(
      ...["sub", "create", id, "--pull-wake", wake, "--stream", "audit/eu", "audit/us", "--stream", "audit/asia"],
      ...["--description", "all audits", "--json"],
    );
    expect(code).toBe(0);
    const { created, subscription } = JSON.parse(stdout);
    expect(created).toBe(true);
    expect(subscription).toMatchObject({ id, type: "pull-wake", wakeStream: wake, description: "all audits" });
    expect(subscription.streams.map((link: { path: string }) => link.path)).toEqual([
      "audit/asia",
      "audit/eu",
      "audit/us",
    ]);
  });

  test.each([
    ["no delivery", ["--pattern", "a/*"], "USAGE", /--webhook <url> or --pull-wake/],
    ["no streams", ["--webhook", hook], "USAGE", /--pattern <glob>, --stream <path>, or both/],
    ["both deliveries", ["--webhook", hook, "--pull-wake", "w", "--pattern", "a/*"], "USAGE", /cannot be used with/],
    ["a bad duration", ["--webhook", hook, "--pattern", "a/*", "--lease-ttl", "soon"], "USAGE", /not a duration/],
    [
      "a lease too long",
      ["--webhook", hook, "--pattern", "a/*", "--lease-ttl", "11m"],
      "INVALID_ARGUMENT",
      /leaseTtlMs/,
    ],
    ["a private target", ["--webhook", "http://10.0.0.1/hook", "--pattern", "a/*"], "WEBHOOK_URL_REJECTED", /https/],
    ["a complex pattern", ["--webhook", hook, "--pattern", "**/a/**/b/**"], "PATTERN_TOO_COMPLEX", /\*\*/],
  ])("%s is exit 1 with one error line", async (_, flags, code, message) => {
    const { code: exit, stdout, stderr } = await cli("sub", "create", uniqueName("bad"), ...flags);
    expect(exit).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(errorLine(code));
    expect(stderr).toMatch(message);
  });
});

describe.concurrent("rivulet sub ls, show, delete", () => {
  test("ls: a table in id order, --json, --limit", async () => {
    const prefix = uniqueName("ls");
    await subs().create(`${prefix}-a`, { pattern: "ls/*", webhook: hook });
    await subs().create(`${prefix}-b`, { streams: ["x", "y"], wakeStream: "w" });
    const { code, stdout } = await cli("sub", "ls");
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +TYPE +DELIVERS TO +PATTERN +STREAMS +PENDING +STATUS +GENERATION$/);
    const mine = lines.filter((line) => line.startsWith(prefix)).map((line) => line.split(/ {2,}/));
    expect(mine).toEqual([
      [`${prefix}-a`, "webhook", hook, "ls/*", "0", "0", "active", "0"],
      [`${prefix}-b`, "pull-wake", "wake stream w", "-", "2", "0", "active", "0"],
    ]);
    // Other tests of this file create subscriptions meanwhile: only this test's are compared.
    const json = await cli("sub", "ls", "--json", "--page-size", "1");
    const ids = JSON.parse(json.stdout).map((sub: { id: string }) => sub.id);
    expect(ids.filter((id: string) => id.startsWith(prefix))).toEqual([`${prefix}-a`, `${prefix}-b`]);
    expect(ids).toEqual([...ids].sort());
    const limited = await cli("sub", "ls", "--json", "--limit", "1");
    expect(JSON.parse(limited.stdout)).toHaveLength(1);
  });

  test("show: the fields and each stream's cursor; --json", async () => {
    const id = uniqueName("show");
    const stream = uniqueName("s");
    await createStream(server.url, stream, { contentType: "text/plain", body: "hello" });
    await subs().create(id, { streams: [stream], webhook: hook, description: "shown" });
    const { code, stdout } = await cli("sub", "show", id);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\ndescription +shown\n/);
    expect(stdout).toMatch(
      new RegExp(`STREAM +LINK +ACKED OFFSET\\n${stream} +explicit +0000000000000000_0000000000000005\\n$`),
    );
    const json = JSON.parse((await cli("sub", "show", id, "--json")).stdout);
    expect(json).toMatchObject({ id, webhookUrl: hook, streams: [{ path: stream, linkType: "explicit" }] });
  });

  test("delete removes it (show is then exit 2); a missing one is exit 2", async () => {
    const id = uniqueName("del");
    await subs().create(id, { streams: ["x"], webhook: hook });
    expect((await cli("sub", "delete", id)).code).toBe(0);
    const shown = await cli("sub", "show", id);
    expect(shown.code).toBe(2);
    expect(shown.stderr).toMatch(errorLine("NOT_FOUND"));
    const again = await cli("sub", "delete", id);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(errorLine("NOT_FOUND"));
  });
});

describe.concurrent("help", () => {
  test("rivulet sub --help lists its commands; rivulet --help lists sub", async () => {
    const { code, stdout } = await rivulet(["sub", "--help"], LIMIT);
    expect(code).toBe(0);
    for (const command of ["create", "ls", "show", "delete", "worker"]) {
      expect(stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    }
    expect((await rivulet(["--help"], LIMIT)).stdout).toMatch(/^ {2}sub /m);
  });

  test.each(["create", "ls", "show", "delete", "worker"])(
    "rivulet sub %s --help: usage, connection options, examples",
    async (command) => {
      const { code, stdout } = await rivulet(["sub", command, "--help"], LIMIT);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Usage: rivulet sub ${command} `));
      for (const option of ["--url <url>", "--token <token>", "--verbose"]) expect(stdout).toContain(option);
      expect(stdout).toMatch(new RegExp(`Examples:\\n(  rivulet (sub ${command}|create))`));
    },
  );

  test("a usage mistake in a sub command points at that command's help", async () => {
    const { code, stderr } = await rivulet(["sub", "show"], LIMIT);
    expect(code).toBe(1);
    expect(stderr).toBe("rivulet: USAGE: missing required argument 'id' (see rivulet sub show --help)\n");
  });
});
