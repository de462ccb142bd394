/**
 * `rivulet bench`: the suite's scenarios 1–5 against a real server from its URL, at tiny
 * sizes. Checks the figures are measured (and consistent with each other), that every stream
 * the run made is gone afterwards, and every way a run can fail.
 */
import { rm, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closedPort, errorLine, rivulet, serverForFile, startRivulet } from "./support/cli-process.js";

const server = serverForFile(["--store", "memory"]);

const TOKEN = "bench-test-token-0123456789";
const tokensFile = join(tmpdir(), `rivulet-bench-tokens-${process.pid}.json`);
await writeFile(tokensFile, JSON.stringify([{ token: TOKEN, scopes: ["read", "write", "admin"], id: "bench" }]));
const authServer = serverForFile(["--store", "memory", "--auth-tokens-file", tokensFile]);
const smallBodyServer = serverForFile(["--store", "memory", "--max-body", "1KiB"]);
const webhookServer = serverForFile(["--store", "memory", "--webhook-allow", "127.0.0.1"]);

/** In front of `server`: passes every request through but refuses each DELETE with a 503. */
let noDeletes: Server;
let noDeletesUrl: string;
beforeAll(async () => {
  const upstream = new URL(server.url);
  noDeletes = createServer((incoming, answer) => {
    if (incoming.method === "DELETE") {
      answer.writeHead(503, { "retry-after": "1" }).end();
      return;
    }
    const { method, url, headers } = incoming;
    const forwarded = request({ host: upstream.hostname, port: upstream.port, method, path: url, headers }, (reply) => {
      answer.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(answer);
    });
    forwarded.on("error", () => answer.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => noDeletes.listen(0, "127.0.0.1", resolve));
  noDeletesUrl = `http://127.0.0.1:${(noDeletes.address() as { port: number }).port}`;
});
afterAll(async () => {
  noDeletes?.close();
  await rm(tokensFile, { force: true });
});

/** Every size shrunk so the whole suite runs in seconds. */
const TINY = [
  ...["--quick", "--duration", "200ms", "--warmup", "0", "--connections", "4", "--streams", "1,3"],
  ...["--catch-up-size", "300k", "--subscribers", "5", "--creates", "20"],
];

/** Removes streams a test left on purpose (plain DELETEs: `rivulet delete` has its own tests). */
async function deleteAll(url: string, streams: Array<{ path: string }>): Promise<void> {
  const statuses = await Promise.all(
    streams.map(async ({ path }) => (await fetch(`${url}${path}`, { method: "DELETE" })).status),
  );
  expect(statuses.every((status) => status === 204)).toBe(true);
}

async function subscriptionsLeft(url: string): Promise<unknown[]> {
  const listing = (await (await fetch(`${url}/v1/stream/__ds/subscriptions`)).json()) as { subscriptions: unknown[] };
  return listing.subscriptions;
}

async function leftovers(url: string, extra: string[] = []): Promise<unknown[]> {
  const listed = await rivulet(["ls", "bench-", "--json", "--url", url, ...extra]);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as unknown[];
}

interface Scenario {
  name: string;
  figures: unknown[];
  failures: number;
}

interface AppendsFigure {
  streams: number;
  peakPerSecond: number;
  offeredPerSecond: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number };
}
interface ProducerFigure {
  client: string;
  content: string;
  messages: number;
  tailPosition: number;
}
interface CatchUpFigure {
  content: string;
  complete: boolean;
  appendedBytes: number;
  readBytes: number;
  readMegabytesPerSecond: number;
}
interface DeliveryFigure {
  setup?: true;
  phase: { kind: string };
  acked: number;
  delivered: number;
  undelivered: number;
  wakes: number;
  appendsPerWake: number;
  latencyMs: { p50: number; p99: number };
  subscriptions: { created: number };
}
interface FanOutFigure {
  ramp?: true;
  mode: string;
  subscribers: number;
  attached: number;
  delivered: number;
  expected: number;
  latencyMs: { p50: number };
  serverRssPerSubscriberBytes: number | null;
  highestHeldPerSecond: number;
  steps: Array<{ rate: number; held: boolean }>;
}

describe("rivulet bench", () => {
  // Against a server that wants a token: any request without it, live readers' included,
  // would show up as a failure or a missing delivery.
  const withToken = () => ["--url", authServer.url, "--token", TOKEN];

  test("--json with a token: every scenario measured, figures consistent, every request authenticated, its streams deleted", {
    timeout: 120_000,
  }, async () => {
    const { code, stdout, stderr } = await rivulet(["bench", ...withToken(), ...TINY, "--json"], {
      timeoutMs: 110_000,
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      scenarios: Scenario[];
      notRun: Array<{ scenario: string }>;
      deleted: number;
    };
    expect(report.scenarios.map((s) => s.name)).toEqual(["appends", "producer", "catch-up", "fan-out", "creates"]);
    for (const scenario of report.scenarios) expect(scenario.failures, scenario.name).toBe(0);
    const figures = <T>(name: string) => report.scenarios.find((s) => s.name === name)!.figures as T[];

    const appends = figures<AppendsFigure>("appends");
    expect(appends.map((row) => row.streams)).toEqual([1, 3]);
    for (const row of appends) {
      expect(row.peakPerSecond).toBeGreaterThan(0);
      expect(row.offeredPerSecond).toBe(Math.max(10, Math.round(row.peakPerSecond * 0.8)));
      const { p50, p99, p999, max } = row.latencyMs;
      expect(p50).toBeGreaterThan(0);
      expect([p50, p99, p999, max]).toEqual([p50, p99, p999, max].sort((a, b) => a - b));
    }

    const producers = figures<ProducerFigure>("producer");
    expect(producers.map((row) => `${row.client}/${row.content}`)).toEqual([
      "rivulet/JSON",
      "rivulet/bytes",
      "raw/JSON",
      "raw/bytes",
    ]);
    for (const row of producers) {
      expect(row.messages).toBeGreaterThan(0);
      // Bytes streams: the tail offset's position is exactly the acknowledged payload.
      if (row.content === "bytes") expect(row.tailPosition).toBe(row.messages * 100);
    }

    const [bytes, json] = figures<CatchUpFigure>("catch-up");
    expect(bytes).toMatchObject({ content: "bytes", complete: true });
    expect(bytes!.appendedBytes).toBeGreaterThanOrEqual(300 * 1024);
    // A catch-up read of a bytes stream returns exactly what was appended.
    expect(bytes!.readBytes).toBe(bytes!.appendedBytes);
    expect(json).toMatchObject({ content: "JSON", complete: true });
    expect(json!.readMegabytesPerSecond).toBeGreaterThan(0);

    const fanOut = figures<FanOutFigure>("fan-out");
    const windows = fanOut.filter((row) => !row.ramp);
    expect(windows.map((row) => row.mode)).toEqual(["sse", "long-poll"]);
    for (const row of windows) {
      expect(row).toMatchObject({ subscribers: 5, attached: 5, expected: 10, delivered: 10 });
      expect(row.latencyMs.p50).toBeGreaterThan(0);
      // Not measured without --pid.
      expect(row.serverRssPerSubscriberBytes).toBeNull();
    }
    const ramp = fanOut.find((row) => row.ramp)!;
    expect(ramp.steps.length).toBeGreaterThan(0);
    expect(ramp.highestHeldPerSecond).toBe(Math.max(0, ...ramp.steps.filter((s) => s.held).map((s) => s.rate)));

    expect(figures("creates")[0]).toMatchObject({ created: 20, errors: 0 });
    expect(report.notRun.map((entry) => entry.scenario)).toEqual([
      "6. server RSS per SSE subscriber",
      "7. restart time",
    ]);
    // probe + 3 appends streams + 4 producer + 2 catch-up + 3 fan-out + 20 creates
    expect(report.deleted).toBe(33);
    expect(await leftovers(authServer.url, ["--token", TOKEN])).toEqual([]);
  });

  test("tables for people; --pid adds the server's CPU and memory", { timeout: 60_000 }, async () => {
    const { code, stdout } = await rivulet(
      [
        "bench",
        "--url",
        server.url,
        ...TINY,
        "--scenarios",
        "1,creates",
        "--streams",
        "2",
        "--pid",
        String(server.pid),
      ],
      { timeoutMs: 50_000 },
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^rivulet bench against http:\/\/127\.0\.0\.1:\d+\/v1\/stream \(quick sizes, server pid \d+;/,
    );
    expect(stdout).toMatch(/^1\. Durable appends: 256 B JSON, 4 connections \(\d+\.\d s\)$/m);
    expect(stdout).toMatch(/^STREAMS +PEAK +SERVER CPU +OFFERED +ANSWERED +P50 +P99 +P99\.9 +MAX +ERRORS$/m);
    // The server did the appends, so its CPU share is a figure, not "–".
    expect(stdout).toMatch(/^ +2 +[\d,]+\/s +\d+%/m);
    expect(stdout).toMatch(/^5\. Many streams: 20 created from 4 connections/m);
    // CREATED ERRORS RATE SECONDS SERVER RSS/STREAM: the RSS column is a figure too.
    expect(stdout).toMatch(/^ +20 +0 +[\d,]+\/s +\d+\.\d +(\d[\d.]* (B|KB|MB)|RSS fell)$/m);
    expect(stdout).not.toMatch(/^2\. |^3\. |^4\. /m);
    expect(stdout).toContain("7. restart time: needs to crash and restart the server");
    expect(stdout).toMatch(/^deleted the run's 23 streams$/m);
    expect(await leftovers(server.url)).toEqual([]);
  });

  test("8. subscriptions against a server that lets webhooks reach 127.0.0.1: every append delivered, nothing left", {
    timeout: 60_000,
  }, async () => {
    const { code, stdout, stderr } = await rivulet(
      [
        ...["bench", "--url", webhookServer.url, ...TINY, "--scenarios", "8", "--subscriptions", "3"],
        ...["--verify-signatures", "--pid", String(webhookServer.pid), "--json"],
      ],
      { timeoutMs: 50_000 },
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { scenarios: Scenario[]; deleted: number };
    expect(report.scenarios.map((s) => [s.name, s.failures])).toEqual([["subscriptions", 0]]);
    const figures = report.scenarios[0]!.figures as DeliveryFigure[];
    const windows = figures.filter((figure) => !figure.setup);
    expect(windows.map((w) => w.phase.kind)).toEqual(["rate", "peak"]);
    for (const window of windows) {
      expect(window.acked).toBeGreaterThan(0);
      expect(window).toMatchObject({ delivered: window.acked, undelivered: 0, unanswered: 0 });
      expect(window.wakes).toBeGreaterThan(0);
      expect(window.appendsPerWake).toBeGreaterThanOrEqual(1);
      expect(window.latencyMs.p50).toBeLessThanOrEqual(window.latencyMs.p99);
    }
    expect(figures.find((figure) => figure.setup)?.subscriptions.created).toBe(3);
    // probe + 30 streams (10 per subscription)
    expect(report.deleted).toBe(31);
    expect(await leftovers(webhookServer.url)).toEqual([]);
    expect(await subscriptionsLeft(webhookServer.url)).toEqual([]);
  });

  test("8. subscriptions against a server that refuses local webhooks: SERVER_ERROR saying why, exit 5, nothing left", {
    timeout: 60_000,
  }, async () => {
    const { code, stdout, stderr } = await rivulet([
      ...["bench", "--url", server.url, ...TINY, "--scenarios", "subscriptions", "--subscriptions", "2"],
    ]);
    expect(code).toBe(5);
    expect(stderr).toMatch(errorLine("SERVER_ERROR"));
    expect(stderr).toMatch(/subscriptions: 1 failures; first: created 0 of 2 subscriptions: PUT \S+ answered 400/);
    expect(stdout).toMatch(/^8\. Webhook delivery/m);
    expect(await leftovers(server.url)).toEqual([]);
    expect(await subscriptionsLeft(server.url)).toEqual([]);
  });

  test("--keep leaves the run's streams", { timeout: 60_000 }, async () => {
    const { code } = await rivulet(["bench", "--url", server.url, ...TINY, "--scenarios", "creates", "--keep"]);
    expect(code).toBe(0);
    const kept = (await leftovers(server.url)) as Array<{ path: string }>;
    expect(kept).toHaveLength(21);
    await deleteAll(server.url, kept);
    expect(await leftovers(server.url)).toEqual([]);
  });

  test("without the token: UNAUTHORIZED before any load, exit 4", async () => {
    const { code, stdout, stderr } = await rivulet(["bench", "--url", authServer.url, ...TINY]);
    expect(code).toBe(4);
    expect(stderr).toMatch(errorLine("UNAUTHORIZED"));
    expect(stdout).toBe("");
  });

  test("refused appends: every figure printed, then SERVER_ERROR and exit 5; nothing left", {
    timeout: 60_000,
  }, async () => {
    const { code, stdout, stderr } = await rivulet([
      ...["bench", "--url", smallBodyServer.url, ...TINY, "--scenarios", "appends", "--size", "2k"],
    ]);
    expect(code).toBe(5);
    expect(stderr).toMatch(errorLine("SERVER_ERROR"));
    expect(stderr).toContain("appends:");
    expect(stderr).toContain("answered 413");
    expect(stdout).toMatch(/^1\. Durable appends/m);
    expect(stdout).toContain("FAILED:");
    expect(await leftovers(smallBodyServer.url)).toEqual([]);
  });

  test("streams it could not delete: named in the report, SERVER_ERROR, exit 5", { timeout: 60_000 }, async () => {
    const { code, stdout, stderr } = await rivulet(["bench", "--url", noDeletesUrl, ...TINY, "--scenarios", "creates"]);
    expect(code).toBe(5);
    expect(stderr).toMatch(errorLine("SERVER_ERROR"));
    expect(stderr).toMatch(
      /could not delete 21 of the run's streams \(bench-[a-z0-9]+-\d+-\*\); first: DELETE \S+ answered 503/,
    );
    expect(stdout).toMatch(/^5\. Many streams/m);
    expect(stdout).toMatch(/^left 21 streams named bench-[a-z0-9]+-\d+-\* \(first: DELETE \S+ answered 503\)$/m);
    const left = (await leftovers(server.url)) as Array<{ path: string }>;
    expect(left).toHaveLength(21);
    await deleteAll(server.url, left);
  });

  test("Ctrl-C: deletes what the run made and exits 130", { timeout: 60_000 }, async () => {
    const running = startRivulet(
      ["bench", "--url", server.url, "--scenarios", "appends", "--streams", "5", "--duration", "30s", "--verbose"],
      { timeoutMs: 50_000 },
    );
    await running.waitForStderr((text) => text.includes("peak"), 20_000);
    running.child.kill("SIGINT");
    const { code, stderr } = await running.result;
    expect(code).toBe(130);
    expect(stderr).toContain("interrupted; deleting the run's 6 streams");
    expect(await leftovers(server.url)).toEqual([]);
  });

  test("no server there: exit 5, one NETWORK line", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { code, stderr } = await rivulet(["bench", "--url", url, "--retries", "0"]);
    expect(code).toBe(5);
    expect(stderr).toMatch(errorLine("NETWORK"));
  });

  test.each([
    [["--scenarios", "restart"], /unknown scenario "restart"; choose from all, appends, producer/],
    [["--scenarios", "7"], /7 needs to restart the server/],
    [["--scenarios", "9"], /unknown scenario "9"; .* or 1-5, 8 /],
    [["--subscriptions", "0"], /--subscriptions/],
    [["--streams", "1,x"], /positive whole numbers separated by commas/],
    [["--size", "8"], /at least 16 bytes/],
    [["--pid", "999999999"], /no process 999999999 on this machine/],
    [["--duration", "soon"], /not a duration/],
  ])("bad flags %j: one USAGE line, exit 1", async (flags, message) => {
    const { code, stdout, stderr } = await rivulet(["bench", "--url", server.url, ...flags]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^rivulet: USAGE: /);
    expect(stderr).toMatch(message);
  });
});
