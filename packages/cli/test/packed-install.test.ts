/**
 * The six packages as a user gets them from the registry: `npm pack` each workspace, install
 * the tarballs into an empty project (their own dependencies come from the registry), then run
 * `npx rivulet serve` (its dashboard at /ui included), scripts that use @rivulet/client and
 * @rivulet/kafka the way their READMEs do, and the TypeScript compiler over code that imports
 * every package's public entry points.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const WORKSPACES = [
  "packages/protocol",
  "packages/server",
  "packages/client",
  "packages/load",
  "packages/kafka",
  "packages/cli",
];
const PACKAGES = [
  "@rivulet/protocol",
  "@rivulet/server",
  "@rivulet/client",
  "@rivulet/load",
  "@rivulet/kafka",
  "rivulet",
];

/**
 * npm hands its own settings to scripts as npm_* variables (under `npm test`: the monorepo's
 * prefix among them); a child npm would obey them and install into the monorepo.
 */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith("npm_")));
}

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: userEnv(), maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")} failed (${error.code}):\n${stderr}\n${stdout}`));
      else resolve(stdout);
    });
  });
}

let work: string;
let project: string;
let packed: Array<{ name: string; filename: string; files: Array<{ path: string }> }>;
let server: ChildProcess | undefined;
let serverUrl: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "rivulet-packed-"));
  const workspaces = WORKSPACES.flatMap((workspace) => ["--workspace", workspace]);
  packed = JSON.parse(await run("npm", ["pack", ...workspaces, "--pack-destination", work, "--json"], ROOT));
  project = join(work, "project");
  await mkdir(project);
  await run("npm", ["init", "-y"], project);
  const tarballs = packed.map((entry) => join(work, entry.filename));
  await run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...tarballs],
    project,
  );
}, 240_000);

afterAll(async () => {
  // npx runs the server as its child: stop the whole process group.
  if (server?.pid !== undefined && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server!.once("exit", resolve));
    process.kill(-server.pid, "SIGKILL");
    await exited;
  }
  await rm(work, { recursive: true, force: true });
});

/** `npx rivulet serve` in the project; resolves with its URL once it listens. */
function startServer(): Promise<string> {
  const child = spawn("npx", ["--no", "--", "rivulet", "serve", "--port", "0", "--data-dir", "./data"], {
    cwd: project,
    env: userEnv(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  server = child;
  return new Promise((resolve, reject) => {
    let output = "";
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on("data", onOutput);
    child.stderr!.on("data", onOutput);
    child.once("exit", (code) => reject(new Error(`npx rivulet serve exited (${code}):\n${output}`)));
  });
}

describe("the packed packages, installed into an empty project", () => {
  test("each tarball holds the build, the sources its maps point to, the LICENSE and nothing else", async () => {
    const license = await readFile(join(ROOT, "LICENSE"), "utf8");
    expect(license).toContain("Apache License");
    expect(license).toContain("Copyright 2026 The Rivulet Authors");
    expect(packed.map((entry) => entry.name)).toEqual(PACKAGES);
    for (const entry of packed) {
      const paths = entry.files.map((file) => file.path);
      expect(paths, entry.name).toContain("LICENSE");
      expect(paths, entry.name).toContain(entry.name === "rivulet" ? "bin/rivulet.js" : "dist/index.js");
      const stray = paths.filter((path) => !/^(dist|src|bin|ui)\/|^(LICENSE|README\.md|package\.json)$/.test(path));
      expect(stray, entry.name).toEqual([]);
      expect(
        paths.some((path) => /(^|\/)test\//.test(path)),
        entry.name,
      ).toBe(false);
      const installed = join(project, "node_modules", entry.name);
      expect(await readFile(join(installed, "LICENSE"), "utf8")).toBe(license);
    }
  });

  test("npx rivulet serve starts and answers", { timeout: 60_000 }, async () => {
    serverUrl = await startServer();
    const created = await fetch(`${serverUrl}/v1/stream/hello`, {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: "hi",
    });
    expect(created.status).toBe(201);
    expect(await (await fetch(`${serverUrl}/v1/stream/hello?offset=-1`)).text()).toBe("hi");
    expect((await run("npx", ["--no", "--", "rivulet", "--version"], project)).trim()).toBe("0.1.0");
  });

  test("the dashboard loads at /ui: the page, then its hashed script", { timeout: 30_000 }, async () => {
    expect(serverUrl, "the server test ran first").toBeDefined();
    const page = await fetch(`${serverUrl}/ui`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await page.text();
    const script = /<script type="module"[^>]* src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script, html).toBeDefined();
    const asset = await fetch(`${serverUrl}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect((await asset.text()).length).toBeGreaterThan(10_000);
  });

  test("the client README's examples run against it", { timeout: 60_000 }, async () => {
    expect(serverUrl, "the server test ran first").toBeDefined();
    await writeFile(join(project, "client.mjs"), CLIENT_SCRIPT);
    const output = await run(process.execPath, ["client.mjs", serverUrl], project);
    expect(output.split("\n").filter(Boolean)).toEqual([
      // JSON messages are stored with 2 bytes of framing: 31 + 2.
      "appended up to 0000000000000000_0000000000000033",
      '{"type":"order.created","id":1}',
      '{"type":"order.paid","id":1}',
      '{"type":"order.shipped","id":1}',
      "closed",
      'consumer: order.created,order.paid,order.shipped {"reason":"closed"}',
      // 33 + 30 + 33: the consumer checkpointed the tail.
      'checkpoint file: {"orders":"0000000000000000_0000000000000096"}',
      "head: 0000000000000000_0000000000000096 closed",
    ]);
  });

  test("the Kafka SDK's quick start runs against it: a topic, keyed sends, a group consuming them", {
    timeout: 60_000,
  }, async () => {
    expect(serverUrl, "the server test ran first").toBeDefined();
    await writeFile(join(project, "kafka.mjs"), KAFKA_SCRIPT);
    const output = await run(process.execPath, ["kafka.mjs", serverUrl], project);
    expect(output.split("\n").filter(Boolean)).toEqual([
      "created orders-sdk with 3 partitions",
      "sent 3 records, customer-456 twice on one partition",
      "consumed 123,124,125",
      "lag 0",
      "TOPIC_NOT_FOUND true",
    ]);
  });

  test("TypeScript finds every package's types through its exports", { timeout: 60_000 }, async () => {
    await writeFile(join(project, "check.mts"), TYPES_CHECK);
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    // @types/node from the monorepo: what any Node project using TypeScript has installed.
    const types = ["--types", "node", "--typeRoots", join(ROOT, "node_modules/@types")];
    const options = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext"];
    await run(process.execPath, [tsc, ...options, "--target", "es2022", ...types, "check.mts"], project);
  });
});

/**
 * What the client README shows: create, append, an idempotent producer, a live read, a
 * consumer checkpointing in a file, a client for many streams.
 */
const CLIENT_SCRIPT = `
import { createClient, DurableStream } from "@rivulet/client";
import { Consumer } from "@rivulet/client/consumer";
import { FileOffsetStore } from "@rivulet/client/node";
import { IdempotentProducer } from "@rivulet/client/producer";
import { readFile } from "node:fs/promises";

const url = process.argv[2] + "/v1/stream/orders";
const events = await DurableStream.create({ url, contentType: "application/json" });
const { offset } = await events.appendJson({ type: "order.created", id: 1 });
console.log("appended up to " + offset);

const producer = new IdempotentProducer(events, "order-service-1");
producer.append({ type: "order.paid", id: 1 });
await producer.close({ closeStream: true, finalItem: { type: "order.shipped", id: 1 } });

for await (const batch of await events.stream({ live: "auto" })) {
  for (const item of batch.items) console.log(JSON.stringify(item));
  if (batch.closed) console.log("closed");
}

const seen = [];
const consumer = new Consumer({
  stream: events,
  offsetStore: new FileOffsetStore("./offsets.json"),
  checkpointKey: "orders",
  handler: (batch) => {
    for (const item of batch.items) seen.push(item.type);
  },
});
await consumer.start();
const end = await consumer.done;
console.log("consumer: " + seen.join() + " " + JSON.stringify(end));
console.log("checkpoint file: " + (await readFile("./offsets.json", "utf8")).trim());

const client = createClient({ baseUrl: process.argv[2] + "/v1/stream" });
const head = await (await client.connect("orders")).head();
console.log("head: " + head.offset + (head.closed ? " closed" : ""));
`;

/** The Kafka SDK's README quick start, then a group consuming what was sent. */
const KAFKA_SCRIPT = `
import { Kafka } from "@rivulet/kafka";
import { KafkaError, TopicNotFoundError } from "@rivulet/kafka/errors";

const kafka = new Kafka({ url: process.argv[2] });
await kafka.admin().createTopic("orders-sdk", { partitions: 3 });
console.log("created orders-sdk with 3 partitions");
const producer = kafka.producer("orders-sdk");
const sent = [];
for (const [orderId, customer] of [[123, "customer-456"], [124, "customer-7"], [125, "customer-456"]]) {
  sent.push(await producer.send({ orderId }, { key: customer }));
}
await producer.close();
const same = sent[0].partition === sent[2].partition;
console.log("sent " + sent.length + " records, customer-456 twice on " + (same ? "one partition" : "two partitions"));
const consumer = kafka.consumer("orders-sdk", { group: "billing", offset: "earliest" });
const seen = [];
for await (const record of consumer) {
  seen.push(record.value.orderId);
  if (seen.length === 3) {
    await record.commit();
    break;
  }
}
console.log("consumed " + seen.sort().join(","));
const group = await kafka.admin().describeGroup("billing");
console.log("lag " + group.totalLag);
// The errors entry point holds the very classes the SDK throws.
const missing = await kafka.admin().describeTopic("no-such-topic").catch((error) => error);
console.log(missing.code + " " + (missing instanceof TopicNotFoundError && missing instanceof KafkaError));
`;

/** Every public entry point, used with types a user would write. */
const TYPES_CHECK = `
import { type Batch, createClient, DurableStream, isStreamError, type StreamError, type StreamRecord } from "@rivulet/client";
import { getRetention, type RetentionSettings } from "@rivulet/client/admin";
import { Consumer } from "@rivulet/client/consumer";
import { FileOffsetStore } from "@rivulet/client/node";
import { startWorker, subscriptions, type Wake, webhookReceiver } from "@rivulet/client/subscriptions";
import { type FlushResult, IdempotentProducer } from "@rivulet/client/producer";
import { type ClosedLoopResult, ms } from "@rivulet/load";
import { Kafka, type RecordMetadata, TopicNotFoundError } from "@rivulet/kafka";
import { KafkaError } from "@rivulet/kafka/errors";
import { formatOffset } from "@rivulet/protocol";
import { createFetchHandler, MemoryStore, ProtocolApp, type RivuletServer, startServer } from "@rivulet/server";
import { bytes } from "rivulet/load";

const app = new ProtocolApp({ store: new MemoryStore(), basePath: "/streams" });
const handler: (request: Request) => Promise<Response> = createFetchHandler(app);
const server: RivuletServer = await startServer({ port: 0 });
const stream = new DurableStream({ url: server.url + "/v1/stream/x" });
const batches: AsyncIterable<Batch<number>> = await stream.stream<number>();
const offset: string = formatOffset(0);
const peak = (result: ClosedLoopResult): string[] => [ms(result.latency.p99), bytes(result.completed)];
const store = new FileOffsetStore("./offsets.json");
const failed = (error: unknown): error is StreamError => isStreamError(error, "NOT_FOUND");
const orders: DurableStream = createClient({ baseUrl: server.url + "/v1/stream" }).stream("orders");
const consumer = new Consumer<{ id: number }>({ stream: orders, offsetStore: store, handler: (batch) => {
  const ids: number[] = batch.items.map((item) => item.id);
  void ids;
} });
const subs = subscriptions({ baseUrl: server.url + "/v1/stream" });
const handle = async (wake: Wake): Promise<void> => {
  for (const pending of wake.streams) for await (const batch of await wake.read(pending)) void batch.items;
};
const onWebhook: (request: Request) => Promise<Response> = webhookReceiver(subs, handle).fetch;
const worker = startWorker(subs, "jobs", handle, { concurrency: 2 });
const flushed: Promise<FlushResult> = new IdempotentProducer(orders, "p").flush();
const records: AsyncIterable<StreamRecord<number>> = (await stream.stream<number>({ records: true })).records();
const retention: Promise<RetentionSettings> = getRetention(orders);
const kafka = new Kafka({ url: server.url });
const sent: Promise<RecordMetadata> = kafka.producer("orders").send({ id: 1 }, { key: "k" });
const missing = (error: unknown): boolean => error instanceof TopicNotFoundError;
const retriable = (error: unknown): boolean => error instanceof KafkaError && error.isRetriable;
export { batches, consumer, failed, flushed, handler, missing, offset, onWebhook, peak, records, retention, retriable, sent, worker };
`;
