/**
 * The load generator's process: receives one job over IPC, runs it, sends back the result,
 * and exits. Started by run-job.ts, never inside a server process.
 */
import { BUILT_IN_PRODUCERS, callJob, type JobFunctions, loadJobs } from "@rivulet/load";
import { fillFileStore } from "./fill-file-store.js";
import { groupConsume } from "./group-consume.js";
import type { JobMessage, JobReply, Jobs } from "./jobs.js";
import { keyedProduce } from "./keyed-produce.js";
import { referenceClientProducer } from "./reference-client-producer.js";
import { sdkProduce } from "./sdk-produce.js";
import { sdkProduceWindows } from "./sdk-produce-windows.js";

/** The producers of scenario 2: the built-in ones and the reference client's. */
const PRODUCERS = { ...BUILT_IN_PRODUCERS, reference: referenceClientProducer };

const JOBS: JobFunctions<Jobs> = {
  ...loadJobs(PRODUCERS),
  fillFileStore,
  groupConsume,
  keyedProduce,
  sdkProduce,
  sdkProduceWindows,
};

async function run(message: JobMessage): Promise<JobReply> {
  try {
    return { ok: true, result: await callJob(JOBS, message.job, message.params) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

process.once("message", (message: JobMessage) => {
  void run(message).then((reply) => process.send!(reply, () => process.exit(0)));
});
// The parent went away: nothing left to report to.
process.once("disconnect", () => process.exit(1));
