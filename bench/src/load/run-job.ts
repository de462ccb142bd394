/**
 * Orchestrator side: runs one job in a load-generator process and returns its result. Each job
 * gets a fresh process, so no job's heap, JIT state or open connections weigh on the next
 * one's figures. `--smoke` (whose figures are checked for consistency, not judged) reuses idle
 * generators instead: starting one costs about 1.6 CPU-s, and a smoke run starts 56.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { exited, track } from "../core/children.js";
import { REPO_ROOT } from "../core/repo-root.js";
import type { JobName, JobReply, Jobs } from "./jobs.js";

const ENTRY = fileURLToPath(new URL("./generator-process.ts", import.meta.url));

/** Jobs that leave what they opened for the process's end to release (fillFileStore's crash). */
const ENDS_ITS_PROCESS: ReadonlySet<JobName> = new Set(["fillFileStore"]);

let reuse = false;
/** Generators that finished a job and wait for the next (only when reusing). */
const idle: ChildProcess[] = [];

/** From now on, a finished generator takes the next job instead of exiting (`--smoke`). */
export function reuseGenerators(): void {
  reuse = true;
}

export async function runJob<K extends JobName>(
  job: K,
  params: Jobs[K]["params"],
  timeoutMs: number,
): Promise<Jobs[K]["result"]> {
  const child = takeIdle() ?? startGenerator();
  let keep = false;
  try {
    const reply = await new Promise<JobReply<K>>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        settle();
        resolve(message as JobReply<K>);
      };
      const onExit = (code: number | null, signal: string | null) => {
        settle();
        reject(new Error(`${job} job: generator exited (${code ?? signal}) without a result`));
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`${job} job: no result within ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
      };
      child.on("message", onMessage);
      child.on("exit", onExit);
      child.send({ job, params });
    });
    // A job that failed may have left the process in any state: it is not reused.
    keep = reuse && reply.ok && !ENDS_ITS_PROCESS.has(job);
    if (!reply.ok) throw new Error(`${job} job failed: ${reply.error}`);
    return reply.result;
  } finally {
    if (keep) putIdle(child);
    else await stopGenerator(child);
  }
}

function startGenerator(): ChildProcess {
  return track(
    fork(ENTRY, [], {
      cwd: REPO_ROOT,
      execArgv: ["--import", "tsx"],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
}

function takeIdle(): ChildProcess | undefined {
  for (let child = idle.pop(); child; child = idle.pop()) {
    if (child.exitCode !== null || child.signalCode !== null || !child.connected) continue;
    child.ref();
    child.channel?.ref();
    return child;
  }
  return undefined;
}

/** An idle generator keeps neither this process alive nor itself once this one exits. */
function putIdle(child: ChildProcess): void {
  child.unref();
  child.channel?.unref();
  idle.push(child);
}

/** Disconnecting ends the generator (generator-process.ts); SIGKILL if it does not go. */
async function stopGenerator(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await gone;
  clearTimeout(timer);
}
