/** Orchestrator side: runs one job in a fresh load-generator process and returns its result. */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { exited, track } from "../core/children.js";
import { REPO_ROOT } from "../core/repo-root.js";
import type { JobName, JobReply, Jobs } from "./jobs.js";

const ENTRY = fileURLToPath(new URL("./generator-process.ts", import.meta.url));

export async function runJob<K extends JobName>(
  job: K,
  params: Jobs[K]["params"],
  timeoutMs: number,
): Promise<Jobs[K]["result"]> {
  const child = track(
    fork(ENTRY, [], {
      cwd: REPO_ROOT,
      execArgv: ["--import", "tsx"],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  try {
    const reply = await new Promise<JobReply<K>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${job} job: no result within ${timeoutMs} ms`)), timeoutMs);
      child.once("message", (message) => {
        clearTimeout(timer);
        resolve(message as JobReply<K>);
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${job} job: generator exited (${code ?? signal}) without a result`));
      });
      child.send({ job, params });
    });
    if (!reply.ok) throw new Error(`${job} job failed: ${reply.error}`);
    return reply.result;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = exited(child);
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(timer);
    }
  }
}
