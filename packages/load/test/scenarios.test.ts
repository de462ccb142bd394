/**
 * The scenario definitions, against a runner that answers every job itself: which jobs each
 * scenario asks for, with what, in what order, and what it makes of the answers. The real
 * jobs against real servers are exercised by `rivulet bench`'s tests and the suite's smoke run.
 */
import {
  type CreateStreamsParams,
  type CreateStreamsResult,
  callJob,
  inProcess,
  type JobFunctions,
  type LoadJobs,
  measureAppends,
  measureCreates,
  measureFanOut,
  measureProducers,
  measureReclaimAppends,
  measureSubscriptions,
  measureTimeAndRecords,
} from "@rivulet/load";
import { describe, expect, test } from "vitest";
import { fakeRun } from "./fake-run.js";

const created = (params: CreateStreamsParams, missing = 0): CreateStreamsResult => ({
  created: params.count - missing,
  errors: missing,
  retries: 0,
  seconds: 1,
  perSecond: params.count - missing,
  ...(missing > 0 ? { firstError: "PUT answered 500" } : {}),
});

const APPEND_SIZES = {
  streamCounts: [1, 3],
  connections: 2,
  bodyBytes: 64,
  peakSeconds: 1,
  openSeconds: 1,
  warmupSeconds: 0,
  drainMs: 10_000,
  overloadDrainMs: 2_000,
};

describe("measureAppends", () => {
  test("creates the most streams once, then a peak and the chosen open-model rates per stream count", async () => {
    let peaks = 0;
    const run = fakeRun(
      {
        createStreams: (params) => created(params),
        appendClosedLoop: () => ({ perSecond: 100 * ++peaks }),
        appendOpenLoop: (params) => ({ rate: params.rate }),
      },
      { runs: 2, serverPid: 42 },
    );
    const seen: Array<[number, number]> = [];
    const measured = await measureAppends(run, APPEND_SIZES, {
      rates: (streams, peak) => {
        seen.push([streams, peak.median]);
        return [peak.median / 2, peak.median * 2];
      },
    });

    expect(run.calls.map((call) => call.job)).toEqual([
      "createStreams",
      ...[
        "appendClosedLoop",
        "appendClosedLoop",
        "appendOpenLoop",
        "appendOpenLoop",
        "appendOpenLoop",
        "appendOpenLoop",
      ],
      ...[
        "appendClosedLoop",
        "appendClosedLoop",
        "appendOpenLoop",
        "appendOpenLoop",
        "appendOpenLoop",
        "appendOpenLoop",
      ],
    ]);
    expect(run.calls[0]!.params).toMatchObject({
      origin: "http://127.0.0.1:1",
      headers: { authorization: "Bearer t" },
      prefix: "/v1/stream/run-appends-",
      count: 3,
      contentType: "application/json",
      connections: 2,
      attempts: 3,
    });
    expect(run.told).toEqual(["/v1/stream/run-appends-*3"]);
    // Peaks 100, 200 for one stream and 300, 400 for three: the rates come from their medians.
    expect(seen).toEqual([
      [1, 150],
      [3, 350],
    ]);
    const opens = run.calls.filter((call) => call.job === "appendOpenLoop").map((call) => call.params);
    expect(opens.map((params) => [params.rate, params.drainMs])).toEqual([
      [75, 10_000],
      [75, 10_000],
      // Offered far above the peak: the backlog only grows, its leftovers are not waited for long.
      [300, 2_000],
      [300, 2_000],
      [175, 10_000],
      [175, 10_000],
      [700, 2_000],
      [700, 2_000],
    ]);
    const three = run.calls[7]!.params;
    expect(three.paths).toEqual(["/v1/stream/run-appends-0", "/v1/stream/run-appends-1", "/v1/stream/run-appends-2"]);
    expect(three.serverPid).toBe(42);
    expect(measured.map(({ streams, peak, open }) => [streams, peak.runs, open.map((o) => o.rate)])).toEqual([
      [1, [100, 200], [75, 300]],
      [3, [300, 400], [175, 700]],
    ]);
  });

  test("fewer streams created than asked for: it stops before any append, saying why", async () => {
    const run = fakeRun({ createStreams: (params) => created(params, 1) });
    await expect(measureAppends(run, APPEND_SIZES, { rates: () => [10] })).rejects.toThrow(
      "created 2 of 3 streams: PUT answered 500",
    );
    expect(run.calls.map((call) => call.job)).toEqual(["createStreams"]);
  });

  test("a server that stores nothing gets no creates", async () => {
    const run = fakeRun({ appendClosedLoop: () => ({ perSecond: 10 }), appendOpenLoop: () => ({}) });
    await measureAppends(run, { ...APPEND_SIZES, streamCounts: [1] }, { createStreams: false, rates: () => [5] });
    expect(run.calls.map((call) => call.job)).toEqual(["appendClosedLoop", "appendOpenLoop"]);
    expect(run.told).toEqual([]);
  });
});

describe("measureProducers", () => {
  test("a failing producer is one outcome; every run writes a fresh stream the target is told of", async () => {
    const run = fakeRun(
      {
        producerThroughput: (params) => {
          if (params.client === "broken") throw new Error("producer batch answered 500");
          return { messages: 10 };
        },
      },
      { runs: 2 },
    );
    const sizes = {
      messageBytes: 100,
      seconds: 1,
      maxMessages: 10,
      windowMessages: 5,
      rawBatchMessages: 5,
      rawInFlight: 1,
    };
    const measured = await measureProducers(
      run,
      [
        { client: "broken", json: true },
        { client: "raw", json: false },
      ],
      sizes,
    );
    expect(measured.map((m) => [m.client, m.outcomes.map((outcome) => outcome.ok)])).toEqual([
      ["broken", [false, false]],
      ["raw", [true, true]],
    ]);
    const failed = measured[0]!.outcomes[0]!;
    expect(!failed.ok && (failed.error as Error).message).toBe("producer batch answered 500");
    expect(run.told).toEqual([
      "/v1/stream/run-producer-broken-json",
      "/v1/stream/run-producer-broken-json-1",
      "/v1/stream/run-producer-raw-bytes",
      "/v1/stream/run-producer-raw-bytes-1",
    ]);
    expect(run.calls[2]!.params).toMatchObject({ client: "raw", json: false, ...sizes });
  });
});

describe("measureFanOut", () => {
  test("every mode over every reader count, then the ramp at the smallest count", async () => {
    const run = fakeRun({ fanOut: (params) => ({ attached: params.subscribers }), fanOutRamp: () => ({}) });
    const measured = await measureFanOut(run, {
      subscriberCounts: [50, 5],
      appendsPerRun: 2,
      intervalMs: 100,
      messageBytes: 64,
      rampRates: [10, 20],
      rampStepSeconds: 1,
      rampP99LimitMs: 500,
    });
    expect(measured.groups.map((group) => [group.mode, group.subscribers])).toEqual([
      ["sse", 50],
      ["sse", 5],
      ["long-poll", 50],
      ["long-poll", 5],
    ]);
    // Deliveries still missing are waited for at least 2 s, or 8 intervals when those are longer.
    expect(run.calls[0]!.params).toMatchObject({ deliveryWaitMs: 2_000, runs: 1 });
    expect(run.calls[4]!).toMatchObject({
      job: "fanOutRamp",
      params: { mode: "sse", subscribers: 5, rates: [10, 20] },
    });
    expect(measured.ramp.subscribers).toBe(5);
    expect(run.told.at(-1)).toBe("/v1/stream/run-fan-out-ramp-5");
  });
});

describe("measureSubscriptions", () => {
  test("subscription i covers subs/i/*; appends alternate between subscriptions; each phase gets its runs' windows", async () => {
    const run = fakeRun(
      { subscriptionDeliveries: (params) => ({ windows: params.phases.flatMap((phase) => [{ phase }, { phase }]) }) },
      { runs: 2, serverPid: 7 },
    );
    const measured = await measureSubscriptions(run, {
      streams: 6,
      subscriptions: 3,
      rates: [100, 500],
      rateSeconds: 1,
      peakConnections: 8,
      peakSeconds: 2,
      warmupSeconds: 0.5,
      drainMs: 1_000,
      bodyBytes: 64,
      connections: 4,
      ack: "done",
      verifySignatures: false,
    });
    expect(run.calls.map((call) => call.job)).toEqual(["subscriptionDeliveries"]);
    const params = run.calls[0]!.params;
    expect(params.streams).toEqual([
      "run-subs/0/0",
      "run-subs/1/0",
      "run-subs/2/0",
      "run-subs/0/1",
      "run-subs/1/1",
      "run-subs/2/1",
    ]);
    expect(params.subscriptions).toEqual([
      { id: "run-subs-0", pattern: "run-subs/0/*" },
      { id: "run-subs-1", pattern: "run-subs/1/*" },
      { id: "run-subs-2", pattern: "run-subs/2/*" },
    ]);
    expect(params).toMatchObject({
      root: "/v1/stream",
      headers: { authorization: "Bearer t" },
      ack: "done",
      warmup: { rate: 100, seconds: 0.5 },
      runs: 2,
      serverPid: 7,
      phases: [
        { kind: "rate", rate: 100, seconds: 1 },
        { kind: "rate", rate: 500, seconds: 1 },
        { kind: "peak", connections: 8, seconds: 2 },
      ],
    });
    expect(run.told).toEqual((params.streams as string[]).map((stream) => `/v1/stream/${stream}`));
    expect(measured.phases.map(({ phase, windows }) => [phase.kind, windows.length])).toEqual([
      ["rate", 2],
      ["rate", 2],
      ["peak", 2],
    ]);
    expect(measured.phases[1]!.windows.every((w) => w.phase === measured.phases[1]!.phase)).toBe(true);
  });
});

describe("measureCreates", () => {
  test("warm-up streams first, then the measured ones; without the server's pid no RSS figure", async () => {
    const run = fakeRun({ createStreams: (params) => created(params) });
    const measured = await measureCreates(run, { streams: 1_000, connections: 64, warmupStreams: 20 });
    expect(run.calls.map((call) => [call.params.prefix, call.params.count, call.params.connections])).toEqual([
      ["/v1/stream/run-creates-warm-", 20, 20],
      ["/v1/stream/run-creates-", 1_000, 64],
    ]);
    expect(run.told).toEqual(["/v1/stream/run-creates-warm-*20", "/v1/stream/run-creates-*1000"]);
    expect(measured.created).toBe(1_000);
    expect(measured.rssPerStreamBytes).toBeNaN();
    expect(measured.rssPerIdleStreamBytes).toBeNaN();
  });

  test("with the server's pid: RSS read after the settle, and again once idle when asked", async () => {
    // This process stands in for the server: its RSS is real, what it grows by does not matter.
    const run = fakeRun({ createStreams: (params) => created(params) }, { serverPid: process.pid });
    const started = performance.now();
    const measured = await measureCreates(run, {
      streams: 1_000,
      connections: 64,
      warmupStreams: 0,
      settleSeconds: 0.01,
      idleSeconds: 0.2,
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(Number.isFinite(measured.rssPerStreamBytes)).toBe(true);
    expect(Number.isFinite(measured.rssPerIdleStreamBytes)).toBe(true);
    const settledOnly = await measureCreates(run, {
      streams: 10,
      connections: 1,
      warmupStreams: 0,
      settleSeconds: 0.01,
    });
    expect(Number.isFinite(settledOnly.rssPerStreamBytes)).toBe(true);
    expect(settledOnly.rssPerIdleStreamBytes).toBeNaN();
  });
});

describe("measureTimeAndRecords", () => {
  test("one fill, then per run the lookups and a plain and a records catch-up of the same stream", async () => {
    const run = fakeRun(
      {
        fillStream: () => ({ requests: 4 }),
        timeLookups: () => ({}),
        catchUpRead: (params) => ({ view: params.view }),
      },
      { runs: 2 },
    );
    const sizes = { streamBytes: 1e6, requestBytes: 1 << 18, messageBytes: 200, lookups: 50, warmupLookups: 5 };
    const measured = await measureTimeAndRecords(run, sizes);
    expect(run.calls.map((call) => call.job)).toEqual([
      "fillStream",
      ...["timeLookups", "timeLookups", "catchUpRead", "catchUpRead"],
      ...["timeLookups", "timeLookups", "catchUpRead", "catchUpRead"],
    ]);
    const path = "/v1/stream/run-records-json";
    expect(run.told).toEqual([path]);
    expect(run.calls[0]!.params).toMatchObject({ path, json: true, totalBytes: 1e6, requestBytes: 1 << 18 });
    expect(run.calls[1]!.params).toMatchObject({ path, lookups: 50, warmup: 5 });
    expect(run.calls[1]!.params.at).toBeUndefined();
    expect(run.calls[2]!.params).toMatchObject({ path, lookups: 50, at: false });
    expect(run.calls.slice(3, 5).map((call) => call.params.view)).toEqual([undefined, "records"]);
    expect(measured.plain).toHaveLength(2);
    expect(measured.records.map((read) => (read as unknown as { view: string }).view)).toEqual(["records", "records"]);
  });
});

describe("measureReclaimAppends", () => {
  const sizes = {
    reclaimBytes: 4 << 20,
    unitBytes: 1 << 20,
    requestBytes: 1 << 18,
    streams: 3,
    connections: 2,
    bodyBytes: 64,
    rate: 100,
    seconds: 1,
    warmupSeconds: 0.5,
    drainMs: 1_000,
    settleSeconds: 2,
    runs: 2,
  };

  test("per run a fresh stream to reclaim, an unrecorded settle, then quiet and reclaiming in alternating order", async () => {
    let appends = 0;
    const run = fakeRun(
      {
        createStreams: (params) => created(params),
        fillStream: () => ({}),
        appendsReclaiming: (params) => ({
          appends: { latency: { p99: ++appends } },
          ...(params.reclaim ? { reclaim: { seconds: 1, freedBytes: 4 << 20, complete: true } } : {}),
        }),
      },
      { runs: 2 },
    );
    const measured = await measureReclaimAppends(run, sizes);
    const reclaiming = (call: (typeof run.calls)[number]) =>
      call.job === "appendsReclaiming" ? (call.params.reclaim ? "reclaiming" : "quiet") : call.job;
    expect(run.calls.map(reclaiming)).toEqual([
      "createStreams",
      ...["fillStream", "quiet", "quiet", "reclaiming"],
      ...["fillStream", "quiet", "reclaiming", "quiet"],
    ]);
    expect(run.calls[1]!.params).toMatchObject({
      path: "/v1/stream/run-reclaimed",
      json: false,
      totalBytes: (4 << 20) + (1 << 20),
    });
    expect(run.calls[4]!.params.reclaim).toMatchObject({
      path: "/v1/stream/run-reclaimed",
      settingsPath: "/v1/stream/__ds/streams/run-reclaimed",
      retainBytes: 1 << 20,
      unitBytes: 1 << 20,
      delayMs: 500,
    });
    expect(run.calls[5]!.params.path).toBe("/v1/stream/run-reclaimed-1");
    // The settle: the same load, for its own seconds, with nothing unrecorded before it.
    expect(run.calls[2]!.params.appends).toMatchObject({ seconds: 2, warmupSeconds: 0 });
    expect(run.calls[3]!.params.appends).toMatchObject({ seconds: 1, warmupSeconds: 0.5 });
    expect(run.calls[3]!.params.appends).toMatchObject({
      rate: 100,
      seconds: 1,
      paths: [
        "/v1/stream/run-reclaim-appends-0",
        "/v1/stream/run-reclaim-appends-1",
        "/v1/stream/run-reclaim-appends-2",
      ],
    });
    // Run 1: settle (1), quiet (2), reclaiming (3); run 2: settle (4), reclaiming (5), quiet (6).
    expect(measured.map((r) => [r.quietFirst, r.quiet.latency.p99, r.reclaiming.latency.p99])).toEqual([
      [true, 2, 3],
      [false, 6, 5],
    ]);
    expect(run.told).toEqual([
      "/v1/stream/run-reclaim-appends-*3",
      "/v1/stream/run-reclaimed",
      "/v1/stream/run-reclaimed-1",
    ]);
  });

  test("fewer streams created than asked for: nothing is filled or measured", async () => {
    const run = fakeRun({ createStreams: (params) => created(params, 1) });
    await expect(measureReclaimAppends(run, sizes)).rejects.toThrow("created 2 of 3 streams");
    expect(run.calls.map((call) => call.job)).toEqual(["createStreams"]);
  });
});

describe("job runners", () => {
  test("a job is the function of its name in the table, called with its parameters", async () => {
    const asked: unknown[] = [];
    const table = {
      createStreams: async (params: CreateStreamsParams) => {
        asked.push(params);
        return created(params);
      },
    } as unknown as JobFunctions<LoadJobs>;
    const params: CreateStreamsParams = {
      origin: "http://127.0.0.1:1",
      prefix: "/s-",
      first: 0,
      count: 2,
      contentType: "text/plain",
      connections: 1,
      timeoutMs: 1,
    };
    await expect(inProcess(table)("createStreams", params, 1)).resolves.toMatchObject({ created: 2 });
    await expect(callJob(table, "createStreams", params)).resolves.toMatchObject({ created: 2 });
    expect(asked).toEqual([params, params]);
  });
});
