/**
 * The README's framework pattern, executed: an Express app that publishes an event per request
 * through one producer made at start-up (closed on shutdown), and a worker process that handles
 * the events and, on SIGTERM, commits what it finished and leaves its group.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import express from "express";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Kafka } from "../src/index.js";
import { createTopic, startTestServer, type TestServer, uniqueName } from "./support/group-server.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const WORKER = fileURLToPath(new URL("./fixtures/event-worker.ts", import.meta.url));

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ groups: { heartbeatIntervalMs: 200, sessionTimeoutMs: 5_000, maxWaitMs: 1_000 } });
});
afterAll(() => server.close());
const children = new Set<ChildProcess>();
afterEach(() => {
  // Whatever a failed run left.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  children.clear();
});

describe("framework pattern", () => {
  it("an Express route publishes events; a worker handles them and on SIGTERM commits and leaves its group", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("mailer");
    await createTopic(server.base, topic, 2);
    const kafka = new Kafka({ url: server.url });

    // The app: one producer for the process, closed when the HTTP server closes.
    const producer = kafka.producer<{ orderId: string }>(topic);
    const app = express();
    app.use(express.json());
    app.post("/orders", async (req, res, next) => {
      try {
        const meta = await producer.send({ orderId: req.body.orderId }, { key: req.body.customer });
        res.status(201).json({ partition: meta.partition, seq: meta.seq });
      } catch (error) {
        next(error);
      }
    });
    const http = app.listen(0);
    await new Promise<void>((resolve) => http.once("listening", () => resolve()));
    const appUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    for (const [orderId, customer] of [
      ["o-1", "c-1"],
      ["o-2", "c-2"],
      ["o-3", "c-1"],
    ]) {
      const response = await fetch(`${appUrl}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ orderId, customer }),
      });
      expect(response.status).toBe(201);
    }
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await producer.close();

    // `--import tsx` loads the worker into the child itself. The `tsx` command would run it in a
    // grandchild and relay SIGTERM, then SIGKILL that grandchild if it does not acknowledge the
    // signal within a few tens of milliseconds (exit 143) — on a busy machine, before close() ends.
    const worker = spawn(process.execPath, ["--import", "tsx", WORKER], {
      cwd: root,
      env: { ...process.env, RIVULET_URL: server.url, TOPIC: topic, GROUP: group },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const handled: string[] = [];
    let stopped = false;
    children.add(worker);
    // "close", not "exit": it comes after the last line of stdout has been read.
    const exit = new Promise<unknown>((resolve) => worker.once("close", (code, signal) => resolve({ code, signal })));
    const allHandled = new Promise<void>((resolve) => {
      createInterface({ input: worker.stdout! }).on("line", (line) => {
        if (line.startsWith("handled ")) handled.push(line.slice(8));
        if (line === "stopped") stopped = true;
        if (handled.length === 3) resolve();
      });
    });
    await allHandled;
    worker.kill("SIGTERM");
    // process() returned after close(): the worker stopped by itself, not by the signal.
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(stopped).toBe(true);

    expect(handled.sort()).toEqual(["o-1", "o-2", "o-3"]);
    const described = await kafka.admin().describeGroup(group);
    expect(described.memberCount).toBe(0); // it left: its partitions are free at once
    expect(described.totalLag).toBe(0); // and committed everything it finished
    expect(described.partitions.reduce((n, p) => n + (p.committedSeq ?? 0), 0)).toBe(3);
  }, 60_000);
});
