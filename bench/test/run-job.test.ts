/**
 * Load-generator processes (bench/src/load/run-job.ts): a fresh one per job by default, so no
 * job's state weighs on the next one's figures; reused between jobs once `reuseGenerators()`
 * was called (`--smoke`), except after a failed job. Jobs run against a server in this process.
 */
import { MemoryStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { killAll, runningChildren } from "../src/core/children.js";
import type { JobName } from "../src/load/jobs.js";
import { reuseGenerators, runJob } from "../src/load/run-job.js";

let server: RivuletServer;
let created = 0;

beforeAll(async () => {
  server = await startServer({ port: 0, store: new MemoryStore() });
});
afterAll(async () => {
  killAll();
  await server?.close();
});

/** Creates two new streams through a generator; how many it created. */
async function createTwo(): Promise<number> {
  const first = created;
  created += 2;
  const result = await runJob(
    "createStreams",
    {
      origin: server.url,
      connections: 1,
      timeoutMs: 10_000,
      prefix: "/v1/stream/run-job-",
      first,
      count: 2,
      contentType: "text/plain",
    },
    60_000,
  );
  return result.created;
}

const failingJob = () => runJob("no-such-job" as JobName, {} as never, 60_000);

describe("runJob", () => {
  test("a fresh generator per job: each answers, and none is left running", async () => {
    expect(await createTwo()).toBe(2);
    expect(runningChildren()).toBe(0);
    expect(await createTwo()).toBe(2);
    expect(runningChildren()).toBe(0);
  });

  test("a job that fails rejects with the generator's error, and its process ends", async () => {
    await expect(failingJob()).rejects.toThrow(/no-such-job job failed: .*not a function/);
    expect(runningChildren()).toBe(0);
  });

  test("reusing: one generator takes job after job; one that failed is not kept", async () => {
    reuseGenerators();
    expect(await createTwo()).toBe(2);
    expect(runningChildren()).toBe(1);
    expect(await createTwo()).toBe(2);
    expect(runningChildren()).toBe(1);
    // The failure ran in the idle generator, which is then ended, not put back.
    await expect(failingJob()).rejects.toThrow(/no-such-job job failed/);
    expect(runningChildren()).toBe(0);
    expect(await createTwo()).toBe(2);
    expect(runningChildren()).toBe(1);
  });
});
