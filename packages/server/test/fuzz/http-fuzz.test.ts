/**
 * Fuzzing a real `rivulet serve` process (file store, auth on, small limits) with generated
 * requests: every method, protocol header values valid, boundary and malformed, offsets,
 * JSON and binary bodies, chunked bodies, paths that probe traversal, and raw-socket cases
 * (malformed requests, bodies cut short, connections dropped mid-request, mid-SSE and
 * mid-long-poll). Asserted throughout: no 5xx, access control as the credential says, and the
 * process stays up; at the end of every run, every acknowledged append reads back exactly.
 *
 * RIVULET_FUZZ_RUNS sets the number of runs (default 100, 1,000 with RIVULET_SOAK=1; each creates
 * its pool of streams, runs 10–40 commands, and reads everything back; every `npm test` draws a
 * new seed, so the runs add up over time); RIVULET_FUZZ_SEED replays a failure fast-check reported.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SOAK } from "../support/soak.js";
import { type ServerProcess, spawnServer } from "../support/spawn-server.js";
import { commands, RUN_PATH, setup } from "./arbitraries.js";
import { type Counters, FULL_TOKEN, READ_TOKEN, Runner } from "./runner.js";
import { closeAgent, send, type Target, targetOf } from "./wire.js";

const RUNS = Number(process.env.RIVULET_FUZZ_RUNS ?? (SOAK ? 1000 : 100));
const SEED = process.env.RIVULET_FUZZ_SEED === undefined ? undefined : Number(process.env.RIVULET_FUZZ_SEED);

let dir: string;
let server: ServerProcess;
let target: Target;
const counters: Counters = { requests: 0, raw: 0, acknowledgedAppends: 0, verifiedStreams: 0 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-fuzz-"));
  const tokens = join(dir, "tokens.json");
  await writeFile(
    tokens,
    JSON.stringify([
      { id: "full", token: FULL_TOKEN, scopes: ["read", "write", "admin"] },
      { id: "reader", token: READ_TOKEN, scopes: ["read"] },
    ]),
  );
  server = await spawnServer([
    ...["--data-dir", join(dir, "data"), "--durability", "interval:5"],
    ...["--auth-tokens-file", tokens],
    ...["--max-body", "64KiB", "--max-message", "8KiB", "--max-path-length", "256"],
    ...["--long-poll-timeout", "100ms", "--sse-lifetime", "200ms"],
  ]);
  target = targetOf(server.url);
});

afterAll(async () => {
  closeAgent();
  server?.child.kill("SIGTERM");
  await server?.exited;
  await rm(dir, { recursive: true, force: true });
});

describe("fuzzing a real server", () => {
  test(`${RUNS} runs of generated requests: no 5xx, the process stays up, acknowledged appends read back`, async () => {
    const started = performance.now();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.tuple(setup(), commands(RUN_PATH)), async ([start, list]) => {
        const runner = new Runner(target, `/v1/stream/fz/r${++run}`, counters);
        for (const command of [...start, ...list]) await runner.run(command);
        await runner.verify();
        expect(server.child.exitCode, "the server process exited").toBeNull();
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), endOnFailure: false },
    );
    const health = await send(target, "GET", "/healthz", {});
    expect(health.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.info(
      `fuzz: ${RUNS} runs, ${counters.requests} HTTP requests, ${counters.raw} raw-socket cases, ` +
        `${counters.acknowledgedAppends} acknowledged appends, ${counters.verifiedStreams} streams verified, ${seconds} s`,
    );
    expect(counters.acknowledgedAppends).toBeGreaterThan(RUNS);
  }, 600_000);
});
