/**
 * The JSON time series behind the dashboard's charts: rates and commit quantiles between two
 * snapshots of the counters, the ring of recent samples, and the endpoint serving them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SampleHistory } from "../../src/features/live-metrics/history.js";
import { intervalBuckets, quantile, sampleBetween } from "../../src/features/live-metrics/sample.js";
import type { Snapshot } from "../../src/features/live-metrics/snapshot.js";
import { expectError, startApp } from "../handlers/helpers.js";

const INF = Number.POSITIVE_INFINITY;

function snapshot(at: number, overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    at,
    appends: 0,
    appendBytes: 0,
    reads: 0,
    serverErrors: 0,
    clientErrors: 0,
    liveConnections: 0,
    commitBuckets: [
      [0.001, 0],
      [0.01, 0],
      [INF, 0],
    ],
    commits: 0,
    storeBytes: undefined,
    streams: 0,
    cpuSeconds: undefined,
    rssBytes: undefined,
    ...overrides,
  };
}

describe("quantiles of histogram buckets", () => {
  test("interpolate inside the bucket the rank falls in, from 0 for the lowest", () => {
    const buckets: Array<[number, number]> = [
      [0.001, 50],
      [0.01, 100],
      [INF, 100],
    ];
    expect(quantile(buckets, 0.5)).toBeCloseTo(0.001);
    expect(quantile(buckets, 0.25)).toBeCloseTo(0.0005);
    expect(quantile(buckets, 0.99)).toBeCloseTo(0.001 + 0.009 * (49 / 50));
  });

  test("a rank in the +Inf bucket is the highest finite bound; no observations, no quantile", () => {
    expect(
      quantile(
        [
          [0.001, 1],
          [INF, 10],
        ],
        0.99,
      ),
    ).toBe(0.001);
    expect(
      quantile(
        [
          [0.001, 0],
          [INF, 0],
        ],
        0.5,
      ),
    ).toBeUndefined();
  });

  test("the buckets of an interval are the difference of two cumulative ones", () => {
    expect(
      intervalBuckets(
        [
          [1, 2],
          [INF, 3],
        ],
        [
          [1, 5],
          [INF, 9],
        ],
      ),
    ).toEqual([
      [1, 3],
      [INF, 6],
    ]);
  });
});

describe("a sample between two snapshots", () => {
  test("turns counters into per-second rates and keeps gauges as they are", () => {
    const before = snapshot(10_000, { appends: 100, appendBytes: 1000, reads: 7, cpuSeconds: 1 });
    const after = snapshot(12_000, {
      appends: 300,
      appendBytes: 5000,
      reads: 11,
      serverErrors: 2,
      clientErrors: 4,
      liveConnections: 3,
      commitBuckets: [
        [0.001, 10],
        [0.01, 10],
        [INF, 10],
      ],
      commits: 10,
      storeBytes: 4096,
      streams: 5,
      cpuSeconds: 1.5,
      rssBytes: 1 << 20,
    });
    expect(sampleBetween(1, before, after)).toEqual({
      seq: 1,
      at: 12_000,
      appendsPerSecond: 100,
      bytesPerSecond: 2000,
      readsPerSecond: 2,
      serverErrorsPerSecond: 1,
      clientErrorsPerSecond: 2,
      liveConnections: 3,
      commitsPerSecond: 5,
      commitP50Ms: 0.5,
      commitP99Ms: 0.99,
      storeBytes: 4096,
      streams: 5,
      cpuPercent: 25,
      rssBytes: 1 << 20,
    });
  });

  test("an interval without commits has no commit quantiles; a counter that went back counts as zero", () => {
    const sample = sampleBetween(2, snapshot(0, { appends: 5 }), snapshot(1000, { appends: 1 }));
    expect(sample).toMatchObject({ appendsPerSecond: 0, commitP50Ms: null, commitP99Ms: null, cpuPercent: null });
  });
});

describe("the history of samples", () => {
  test("the first snapshot is a baseline, the ring keeps the newest, and pages ask for what is new", () => {
    const history = new SampleHistory(3);
    for (let i = 0; i <= 5; i++) history.record(snapshot(i * 1000, { appends: i * 10 }));
    expect(history.after(undefined).map((s) => s.seq)).toEqual([3, 4, 5]);
    expect(history.after(4).map((s) => s.seq)).toEqual([5]);
    expect(history.after(5)).toEqual([]);
    expect(history.after(0).map((s) => s.seq)).toEqual([3, 4, 5]);
  });
});

describe("GET {base}/__ds/metrics on a server with the file store", () => {
  let dir: string;
  let server: RivuletServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rivulet-live-metrics-"));
    server = await startServer({ port: 0, store: new FileStore({ dir }) });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  interface Samples {
    intervalMs: number;
    samples: Array<{
      seq: number;
      appendsPerSecond: number;
      commitP99Ms: number | null;
      streams: number;
      cpuPercent: number | null;
      rssBytes: number | null;
    }>;
  }
  const samples = async (query = "") =>
    (await (await fetch(`${server.url}/v1/stream/__ds/metrics${query}`)).json()) as Samples;

  test("a second after appends, a sample shows them and their commit time", async () => {
    await fetch(`${server.url}/v1/stream/m`, { method: "PUT", headers: { "content-type": "text/plain" } });
    let latest: Samples["samples"][number] | undefined;
    // Appends keep arriving until a sampled interval has seen them (one sample per second).
    while (!latest || latest.appendsPerSecond === 0) {
      await Promise.all(
        Array.from({ length: 5 }, () => fetch(`${server.url}/v1/stream/m`, { method: "POST", body: "x" })),
      );
      latest = (await samples()).samples.at(-1);
    }
    expect(latest.commitP99Ms).toBeGreaterThan(0);
    expect(latest.streams).toBe(1);
    // The appends cost CPU time, and the process has memory.
    expect(latest.cpuPercent).toBeGreaterThan(0);
    expect(latest.rssBytes).toBeGreaterThan(1 << 20);
    const newer = await samples(`?after=${latest.seq}`);
    expect(newer.intervalMs).toBe(1000);
    expect(newer.samples.every((s) => s.seq > latest!.seq)).toBe(true);
  });

  test("a bad after is BAD_REQUEST", async () => {
    const res = await fetch(`${server.url}/v1/stream/__ds/metrics?after=-1`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
  });
});

test("a server without metrics has no JSON metrics either (404)", async () => {
  const t = await startApp({ metrics: false });
  try {
    await expectError(await t.request("/v1/stream/__ds/metrics"), 404, "STREAM_NOT_FOUND");
  } finally {
    await t.close();
  }
});
