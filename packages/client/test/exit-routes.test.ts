/**
 * What lands when a process ends with items still queued in a producer, by each route a
 * process can end: SIGTERM, SIGINT, beforeExit, process.exit() and an uncaught exception.
 * Each case runs packages/client/test/support/exit-child.ts in its own process against a
 * real server, then reads the stream to see what arrived.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DurableStream } from "@rivulet/client";
import { flushOnExit } from "@rivulet/client/node";
import { IdempotentProducer } from "@rivulet/client/producer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/server.js";

const CHILD = fileURLToPath(new URL("./support/exit-child.ts", import.meta.url));
const TSCONFIG = fileURLToPath(new URL("../../../tsconfig.test.json", import.meta.url));

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  landed: unknown[];
}

/** Runs the child on a new stream; `signal` is sent once the child says its items are queued. */
async function run(route: string, signal?: NodeJS.Signals): Promise<Ended> {
  const stream = await DurableStream.create({ url: server.streamUrl(route), contentType: "application/json" });
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, route, stream.url], {
    env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.on("data", (chunk: Buffer) => {
    if (signal && chunk.toString().includes("ready")) child.kill(signal);
  });
  const [code, endedBy] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once("exit", (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  );
  return { code, signal: endedBy, stderr, landed: await (await stream.stream()).json() };
}

const ALL = [0, 1, 2, 3, 4];

describe("queued items at process end, route by route", () => {
  it("SIGTERM: flushOnExit closes the producer, then the process dies by SIGTERM", async () => {
    const ended = await run("signal", "SIGTERM");
    expect(ended).toMatchObject({ signal: "SIGTERM", landed: ALL });
    expect(ended.stderr).toBe("");
  });

  it("SIGINT: the same, ending by SIGINT", async () => {
    const ended = await run("signal", "SIGINT");
    expect(ended).toMatchObject({ signal: "SIGINT", landed: ALL });
  });

  it("beforeExit: a script that ends without flushing has its items flushed, and exits 0", async () => {
    expect(await run("before-exit")).toMatchObject({ code: 0, landed: ALL, stderr: "" });
  });

  it("beforeExit without flushOnExit loses the items (what flushOnExit is for)", async () => {
    expect(await run("unguarded-before-exit")).toMatchObject({ code: 0, landed: [] });
  });

  it("process.exit(): nothing can be sent any more; the loss is reported on stderr", async () => {
    const ended = await run("exit");
    expect(ended).toMatchObject({ code: 0, landed: [] });
    expect(ended.stderr).toMatch(/^rivulet: producer exit-child exited with 5 items not acknowledged by http:\S+\n$/);
  });

  it("process.exit() after await producer.flush() or an await using block: everything landed", async () => {
    expect(await run("flush-then-exit")).toMatchObject({ code: 0, landed: ALL, stderr: "" });
    expect(await run("await-using-then-exit")).toMatchObject({ code: 0, landed: ALL, stderr: "" });
  });

  it("an uncaught exception: by default the items are lost and the loss reported; the process exits 1", async () => {
    const ended = await run("throw");
    expect(ended).toMatchObject({ code: 1, landed: [] });
    expect(ended.stderr).toContain("boom from the application");
    expect(ended.stderr).toContain("rivulet: producer exit-child exited with 5 items not acknowledged");
  });

  it("an uncaught exception with uncaughtException: true: the error is printed, the items land, exit code 1", async () => {
    const ended = await run("throw-flushed");
    expect(ended).toMatchObject({ code: 1, landed: ALL });
    expect(ended.stderr).toContain("Error: boom from the application");
    expect(ended.stderr).not.toContain("not acknowledged");
  });
});

describe("flushOnExit", () => {
  it("hooks the exit paths, and the function it returns unhooks them", async () => {
    const producer = new IdempotentProducer(
      new DurableStream({ url: server.streamUrl("hooks"), contentType: "text/plain" }),
      "p",
    );
    const events = ["SIGTERM", "SIGINT", "beforeExit", "exit", "uncaughtException"] as const;
    const before = events.map((event) => process.listenerCount(event));
    const remove = flushOnExit(producer, { uncaughtException: true });
    expect(events.map((event) => process.listenerCount(event))).toEqual(before.map((count) => count + 1));
    remove();
    expect(events.map((event) => process.listenerCount(event))).toEqual(before);
  });

  it("refuses options that cannot work", () => {
    const producer = new IdempotentProducer(
      new DurableStream({ url: server.streamUrl("bad"), contentType: "text/plain" }),
      "p",
    );
    expect(() => flushOnExit(producer, { timeoutMs: 0 })).toThrow(expect.objectContaining({ option: "timeoutMs" }));
    expect(() => flushOnExit(producer, { onUnsent: "log" as never })).toThrow(
      expect.objectContaining({ option: "onUnsent" }),
    );
  });
});
