/**
 * Subscriptions through crashes: a real server process with a webhook subscription and a
 * pull-wake subscription over streams under write load — a receiver that acks synchronously
 * (`done`), acks by callback or fails, and a worker that claims, acks and releases — is
 * killed with SIGKILL at random moments and restarted on the same data directory. After each
 * restart:
 * - no acknowledged progress is lost: every cursor is at least every ack answered 200;
 * - no cursor regressed, and none is past its stream's durable tail;
 * - every wake fenced before the crash (an older generation than one observed) is still FENCED;
 * - no wake delivered or claimed after the restart reuses a generation seen before it;
 * - no wake named data that is not durable (its tail_offset is within the stream after restart).
 * At the end, with the load stopped, every stream is eventually acked to its tail by both.
 * Runs 5 cycles; set RIVULET_CRASH_CYCLES for more.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { type ServerProcess, spawnServer } from "../support/spawn-server.js";

const CYCLES = Number(process.env.RIVULET_CRASH_CYCLES ?? 5);
const STREAMS = ["data/0", "data/1", "data/2"];
const SUBS = ["hook", "pull"] as const;
type Sub = (typeof SUBS)[number];

interface Wake {
  readonly sub: Sub;
  readonly wakeId: string;
  readonly generation: number;
  readonly token: string;
  readonly tails: ReadonlyArray<readonly [string, string]>;
}

/** What the clients know: acks answered 200, generations and tails they were shown. */
class Ledger {
  readonly acked = new Map<string, string>();
  readonly maxGeneration = new Map<Sub, number>();
  readonly wakes: Wake[] = [];
  readonly unexpected: string[] = [];
  /** Generations seen before the last crash: nothing after it may reuse one. */
  floor = new Map<Sub, number>();

  saw(wake: Wake): void {
    const floor = this.floor.get(wake.sub) ?? 0;
    if (wake.generation <= floor)
      this.unexpected.push(`${wake.sub} reused generation ${wake.generation} (floor ${floor})`);
    this.wakes.push(wake);
    this.maxGeneration.set(wake.sub, Math.max(this.maxGeneration.get(wake.sub) ?? 0, wake.generation));
  }

  ackAnswered(sub: Sub, acks: ReadonlyArray<readonly [string, string]>): void {
    for (const [path, offset] of acks) {
      const key = `${sub} ${path}`;
      if ((this.acked.get(key) ?? "") < offset) this.acked.set(key, offset);
    }
  }
}

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const json = (body: unknown, token?: string): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});

/** The webhook receiver: done, callback later, or 500, at random; `settle` makes it always ack. */
function startReceiver(ledger: Ledger, server: () => string, mode: { settle: boolean }): Promise<Server> {
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as {
        wake_id: string;
        generation: number;
        callback_token: string;
        callback_url: string;
        streams: Array<{ path: string; tail_offset: string }>;
      };
      const tails = body.streams.map((s) => [s.path, s.tail_offset] as const);
      ledger.saw({ sub: "hook", wakeId: body.wake_id, generation: body.generation, token: body.callback_token, tails });
      const roll = Math.random();
      if (mode.settle || roll < 0.35) return void res.writeHead(200).end('{"done":true}');
      if (roll < 0.7) {
        res.writeHead(200).end("{}");
        const acks = tails.map(([stream, offset]) => ({ stream, offset }));
        const path = new URL(body.callback_url).pathname;
        fetch(
          `${server()}${path}`,
          json({ wake_id: body.wake_id, generation: body.generation, acks, done: true }, body.callback_token),
        )
          .then(async (response) => {
            if (response.status === 200) ledger.ackAnswered("hook", tails);
            else if (response.status !== 409)
              ledger.unexpected.push(`callback answered ${response.status} ${await response.text()}`);
          })
          .catch(() => {});
        return;
      }
      res.writeHead(500).end();
    });
  });
  return new Promise((resolve) => receiver.listen(0, "127.0.0.1", () => resolve(receiver)));
}

/** The pull-wake worker: claim, then ack to the tails (a heartbeat first, at times) or release. */
async function runWorker(url: string, ledger: Ledger, stop: { dead: boolean }, settle: boolean): Promise<void> {
  const sub = `${url}/v1/stream/__ds/subscriptions/pull`;
  while (!stop.dead) {
    try {
      const claim = await fetch(`${sub}/claim`, json({ worker: "w" }));
      if (claim.status !== 200) {
        if (![204, 409].includes(claim.status)) ledger.unexpected.push(`claim answered ${claim.status}`);
        await claim.body?.cancel();
        if (settle && claim.status === 204) return;
        await sleep(10);
        continue;
      }
      const claimed = (await claim.json()) as {
        wake_id: string;
        generation: number;
        token: string;
        streams: Array<{ path: string; tail_offset: string }>;
      };
      const tails = claimed.streams.map((s) => [s.path, s.tail_offset] as const);
      ledger.saw({ sub: "pull", wakeId: claimed.wake_id, generation: claimed.generation, token: claimed.token, tails });
      const wake = { wake_id: claimed.wake_id, generation: claimed.generation };
      if (!settle && Math.random() < 0.15) {
        await fetch(`${sub}/release`, json(wake, claimed.token));
        continue;
      }
      if (!settle && Math.random() < 0.3) {
        const half = tails.slice(0, 1);
        const beat = await fetch(
          `${sub}/ack`,
          json({ ...wake, acks: half.map(([stream, offset]) => ({ stream, offset })) }, claimed.token),
        );
        if (beat.status === 200) ledger.ackAnswered("pull", half);
      }
      const done = await fetch(
        `${sub}/ack`,
        json({ ...wake, acks: tails.map(([stream, offset]) => ({ stream, offset })), done: true }, claimed.token),
      );
      if (done.status === 200) ledger.ackAnswered("pull", tails);
      else if (done.status !== 409) ledger.unexpected.push(`ack answered ${done.status} ${await done.text()}`);
    } catch {
      return; // the server died
    }
  }
}

async function runWriter(url: string, path: string, stop: { dead: boolean }): Promise<void> {
  for (let n = 0; !stop.dead; n++) {
    try {
      await fetch(`${url}/v1/stream/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ n }),
      });
    } catch {
      return;
    }
  }
}

async function tails(url: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const path of STREAMS) {
    const head = await fetch(`${url}/v1/stream/${path}`, { method: "HEAD" });
    found.set(path, head.headers.get("stream-next-offset")!);
  }
  return found;
}

async function cursors(url: string, sub: Sub): Promise<Map<string, string>> {
  const view = (await (await fetch(`${url}/v1/stream/__ds/subscriptions/${sub}`)).json()) as {
    streams: Array<{ path: string; acked_offset: string }>;
  };
  return new Map(view.streams.map((s) => [s.path, s.acked_offset]));
}

test(`subscriptions keep their guarantees through ${CYCLES} kill -9 cycles`, async () => {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-subs-crash-"));
  dirs.push(dir);
  const config = join(dir, "..", `${dir.split("/").pop()}.json`);
  await writeFile(
    config,
    JSON.stringify({
      webhookAllow: ["127.0.0.1"],
      subscriptions: { retryBaseMs: 50, retryMaxMs: 200, webhookTimeoutMs: 1000 },
    }),
  );
  dirs.push(config);
  const ledger = new Ledger();
  const mode = { settle: false };
  let server: ServerProcess = await spawnServer(["--data-dir", dir, "--config", config, "--log-level", "error"]);
  const receiver = await startReceiver(ledger, () => server.url, mode);
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook`;
  try {
    await fetch(`${server.url}/v1/stream/wake/pool`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: "[]",
    });
    for (const path of STREAMS)
      await fetch(`${server.url}/v1/stream/${path}`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
      });
    const put = (id: string, body: object) =>
      fetch(`${server.url}/v1/stream/__ds/subscriptions/${id}`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect(
      (await put("hook", { type: "webhook", pattern: "data/*", webhook: { url: hookUrl }, lease_ttl_ms: 1000 })).status,
    ).toBe(201);
    expect(
      (await put("pull", { type: "pull-wake", pattern: "data/*", wake_stream: "wake/pool", lease_ttl_ms: 1000 }))
        .status,
    ).toBe(201);

    const lastSeen = new Map<string, string>();
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const stop = { dead: false };
      const running = [
        ...STREAMS.map((path) => runWriter(server.url, path, stop)),
        runWorker(server.url, ledger, stop, false),
      ];
      await sleep(300 + Math.random() * 500);
      server.child.kill("SIGKILL");
      await server.exited;
      stop.dead = true;
      await Promise.all(running);
      ledger.floor = new Map(ledger.maxGeneration);

      server = await spawnServer(["--data-dir", dir, "--config", config, "--log-level", "error"]);
      const durable = await tails(server.url);
      for (const sub of SUBS) {
        for (const [path, acked] of await cursors(server.url, sub)) {
          const key = `${sub} ${path}`;
          expect(acked >= (ledger.acked.get(key) ?? ""), `${key} lost acknowledged progress`).toBe(true);
          expect(acked >= (lastSeen.get(key) ?? ""), `${key} regressed`).toBe(true);
          expect(acked <= durable.get(path)!, `${key} acked past the durable tail`).toBe(true);
          lastSeen.set(key, acked);
        }
      }
      for (const wake of ledger.wakes) {
        for (const [path, tail] of wake.tails) {
          expect(tail <= durable.get(path)!, `${wake.sub} g${wake.generation} named non-durable data of ${path}`).toBe(
            true,
          );
        }
      }
      // Fenced before the crash, fenced after it (the newest few of each subscription).
      for (const sub of SUBS) {
        const floor = ledger.floor.get(sub) ?? 0;
        const stale = ledger.wakes.filter((w) => w.sub === sub && w.generation < floor).slice(-5);
        for (const wake of stale) {
          const op = sub === "hook" ? "callback" : "ack";
          const res = await fetch(
            `${server.url}/v1/stream/__ds/subscriptions/${sub}/${op}`,
            json({ wake_id: wake.wakeId, generation: wake.generation, done: true }, wake.token),
          );
          expect(res.status, `${sub} g${wake.generation} is no longer fenced`).toBe(409);
          await res.body?.cancel();
        }
      }
      expect(ledger.unexpected).toEqual([]);
    }

    // With the load stopped, everything is eventually acked to its tail by both subscriptions.
    mode.settle = true;
    const stop = { dead: false };
    const worker = runWorker(server.url, ledger, stop, true);
    const final = await tails(server.url);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const hook = await cursors(server.url, "hook");
      const pull = await cursors(server.url, "pull");
      if (STREAMS.every((path) => hook.get(path) === final.get(path) && pull.get(path) === final.get(path))) break;
      if (Date.now() > deadline)
        throw new Error(`not settled: hook ${[...hook]} pull ${[...pull]} tails ${[...final]}`);
      await sleep(50);
    }
    stop.dead = true;
    await worker;
    expect(ledger.unexpected).toEqual([]);
    // The test only means something if the load was real.
    expect(ledger.wakes.filter((w) => w.sub === "hook").length).toBeGreaterThan(CYCLES);
    expect(ledger.wakes.filter((w) => w.sub === "pull").length).toBeGreaterThan(CYCLES);
  } finally {
    server.child.kill("SIGKILL");
    await server.exited;
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
}, 300_000);
