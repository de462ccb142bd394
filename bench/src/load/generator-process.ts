/**
 * The load generator's process: receives one job over IPC, runs it, sends back the result,
 * and exits. Started by run-job.ts, never inside a server process.
 */
import { appendClosedLoop } from "./append-closed-loop.js";
import { appendOpenLoop } from "./append-open-loop.js";
import { catchUpRead } from "./catch-up-read.js";
import { createStreams } from "./create-streams.js";
import { fanOut } from "./fan-out.js";
import { fanOutRamp } from "./fan-out-ramp.js";
import { fillFileStore } from "./fill-file-store.js";
import { fillStream } from "./fill-stream.js";
import type { JobMessage, JobName, JobReply, Jobs } from "./jobs.js";
import { producerThroughput } from "./producer-throughput.js";

const RUNNERS: { [K in JobName]: (params: Jobs[K]["params"]) => Promise<Jobs[K]["result"]> } = {
  createStreams,
  appendClosedLoop,
  appendOpenLoop,
  fillStream,
  catchUpRead,
  fanOut,
  fanOutRamp,
  producerThroughput,
  fillFileStore,
};

async function run(message: JobMessage): Promise<JobReply> {
  try {
    const runner = RUNNERS[message.job] as (params: unknown) => Promise<unknown>;
    return { ok: true, result: (await runner(message.params)) as Jobs[JobName]["result"] };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

process.once("message", (message: JobMessage) => {
  void run(message).then((reply) => process.send!(reply, () => process.exit(0)));
});
// The parent went away: nothing left to report to.
process.once("disconnect", () => process.exit(1));
