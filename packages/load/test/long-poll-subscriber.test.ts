/**
 * The raw-socket long-poll reader of scenario 4: every answer's messages are counted, a
 * compressed answer's once answers stop arriving (decoding a thousand answers between the
 * reads would slow the server and delay every later reader's arrival time), each with the
 * time it was read; a body that fails to decode is reported, not thrown.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { LongPollSubscriber } from "../src/generators/raw-http/long-poll-subscriber.js";
import type { DeliverySink, SubscriberTarget } from "../src/generators/raw-http/socket-subscriber.js";
import { jsonBatch } from "../src/payload.js";

/** Answers by offset: `0` → seqs 0–2, `1` → seqs 3–4, later offsets wait until the test ends. */
let encode: (body: string) => { body: Buffer; encoding: string | undefined };
let server: Server;
let port = 0;

beforeEach(async () => {
  server = createServer((request, response) => {
    const offset = new URL(request.url!, "http://x").searchParams.get("offset");
    if (offset !== "0" && offset !== "1") return; // waits, as a long-poll at the tail does
    const { body, encoding } = encode(offset === "0" ? jsonBatch(3, 64, 0) : jsonBatch(2, 64, 3));
    response.writeHead(200, {
      "content-length": String(body.length),
      "stream-next-offset": String(Number(offset) + 1),
      ...(encoding === undefined ? {} : { "content-encoding": encoding }),
    });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A reader that logs its requests and deliveries in the order they happen. */
class LoggedReader extends LongPollSubscriber {
  constructor(
    target: SubscriberTarget,
    sink: DeliverySink,
    private readonly log: string[],
  ) {
    super(target, sink, "0");
  }

  protected override write(requestLine: string): void {
    this.log.push(`request ${new URL(requestLine, "http://x").searchParams.get("offset")}`);
    super.write(requestLine);
  }
}

async function read(until: (log: string[], failures: string[]) => boolean) {
  const log: string[] = [];
  const arrivals: number[] = [];
  const failures: string[] = [];
  const sink: DeliverySink = {
    delivered(seqs, at) {
      log.push(`delivered ${seqs.join(",")}`);
      arrivals.push(at);
    },
    failed: (reason) => failures.push(reason),
  };
  const reader = new LoggedReader({ host: "127.0.0.1", port, tls: false, path: "/s", headers: {} }, sink, log);
  await reader.start();
  await expect.poll(() => until(log, failures)).toBe(true);
  reader.stop();
  return { log, arrivals, failures };
}

describe("LongPollSubscriber", () => {
  test("an uncompressed answer's messages are counted before the next request", async () => {
    encode = (body) => ({ body: Buffer.from(body), encoding: undefined });
    const { log, failures } = await read((l) => l.includes("request 2"));
    expect(log).toEqual(["request 0", "delivered 0,1,2", "request 1", "delivered 3,4", "request 2"]);
    expect(failures).toEqual([]);
  });

  test.each([
    ["gzip", (text: string) => gzipSync(text)],
    ["br", (text: string) => brotliCompressSync(text)],
  ])("a %s answer is decoded after the reads and counted with the time it was read", async (coding, compress) => {
    encode = (body) => ({ body: compress(body), encoding: coding });
    const before = performance.now();
    const { log, arrivals, failures } = await read((l) => l.includes("delivered 3,4"));
    // Each answer's next request went out as it ended, before its messages were counted.
    const at = (entry: string) => log.indexOf(entry);
    expect(log.slice(0, 2)).toEqual(["request 0", "request 1"]);
    expect(at("delivered 0,1,2")).toBeGreaterThan(at("request 1"));
    expect(at("delivered 3,4")).toBeGreaterThan(Math.max(at("request 2"), at("delivered 0,1,2")));
    expect(arrivals[0]).toBeGreaterThan(before);
    expect(arrivals[1]).toBeGreaterThanOrEqual(arrivals[0]!);
    expect(failures).toEqual([]);
  });

  test("a body that does not decode is reported, and the reader goes on", async () => {
    encode = (body) => ({ body: Buffer.from(body), encoding: "gzip" });
    const { log, failures } = await read((_, failed) => failed.length === 2);
    expect(log).toEqual(["request 0", "request 1", "request 2"]);
    expect(failures[0]).toMatch(/header check/);
  });
});
