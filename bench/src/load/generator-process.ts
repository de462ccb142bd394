/**
 * The load generator's process: receives a job over IPC, runs it, sends back the result, and
 * waits for the next one until the parent disconnects. Started by run-job.ts, never inside a
 * server process.
 */
import { BUILT_IN_PRODUCERS, callJob, type JobFunctions, loadJobs } from "@rivulet/load";
import type { JobMessage, JobReply, Jobs } from "./jobs.js";
import { referenceClientProducer } from "./reference-client-producer.js";

/** The producers of scenario 2: the built-in ones and the reference client's. */
const PRODUCERS = { ...BUILT_IN_PRODUCERS, reference: referenceClientProducer };

/**
 * The bench's own jobs are imported when asked for: filling a FileStore loads the whole server
 * and the SDK jobs the Kafka layer, and most processes run one job. Loaded eagerly, every start
 * paid for all of them (3.8 CPU-s per process instead of 1.6, most of a smoke run's time).
 */
const JOBS: JobFunctions<Jobs> = {
  ...loadJobs(PRODUCERS),
  fillFileStore: async (params) => (await import("./fill-file-store.js")).fillFileStore(params),
  groupConsume: async (params) => (await import("./group-consume.js")).groupConsume(params),
  keyedProduce: async (params) => (await import("./keyed-produce.js")).keyedProduce(params),
  sdkProduce: async (params) => (await import("./sdk-produce.js")).sdkProduce(params),
  sdkProduceWindows: async (params) => (await import("./sdk-produce-windows.js")).sdkProduceWindows(params),
};

async function run(message: JobMessage): Promise<JobReply> {
  try {
    return { ok: true, result: await callJob(JOBS, message.job, message.params) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

process.on("message", (message: JobMessage) => {
  void run(message).then((reply) => process.send!(reply));
});
// The parent is done with this process (run-job.ts), or went away: nothing left to report to.
process.once("disconnect", () => process.exit(0));
