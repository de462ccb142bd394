/**
 * What the SDK profiling scripts (sdk-producer.ts, sdk-consumer.ts) share: a topic to work on,
 * the SDK side run in a child process under `--cpu-prof`, and one summary of both sides' profiles.
 */
import { fork } from "node:child_process";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../core/repo-root.js";
import { formatSummary, summariseProfile } from "./cpu-profile-summary.js";

export const PROFILED_TOPIC = "profiled";
const PARTITIONS = 12;

/** What the profiled child reports back: records handled, over how long, at what CPU. */
export interface ChildResult {
  readonly records: number;
  readonly seconds: number;
  readonly cpuUs: number;
}

/** Creates the profiled topic with scenario 13's 12 partitions; its URL. */
export async function createProfiledTopic(serverUrl: string): Promise<string> {
  const topic = `${serverUrl}/v1/stream/__ds/topics/${PROFILED_TOPIC}`;
  const created = await fetch(topic, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ partitions: PARTITIONS }),
  });
  if (created.status !== 201) throw new Error(`creating the topic: ${created.status}`);
  return topic;
}

/** Runs `script` again as `--child <args>` under `--cpu-prof`; resolves with the result it sends. */
export function runProfiledChild(
  script: string,
  args: string[],
  profileDir: string,
  what: string,
): Promise<ChildResult> {
  const child = fork(script, ["--child", ...args], {
    cwd: REPO_ROOT,
    execArgv: ["--cpu-prof", "--cpu-prof-dir", profileDir, "--import", "tsx"],
  });
  return new Promise((resolve, reject) => {
    let reply: ChildResult | undefined;
    child.once("message", (message) => {
      reply = message as ChildResult;
    });
    child.once("error", reject);
    child.once("exit", (code) => (reply ? resolve(reply) : reject(new Error(`the ${what} exited with ${code}`))));
  });
}

/** `headline`, then the summary of every profile under `outDir/<side>`; written to summary.md and printed. */
export async function writeSummary(outDir: string, sides: string[], headline: string): Promise<void> {
  let report = `${headline}\n\n`;
  for (const side of sides) {
    for (const file of (await readdir(join(outDir, side))).filter((f) => f.endsWith(".cpuprofile"))) {
      report += formatSummary(`${side}: ${file}`, await summariseProfile(join(outDir, side, file)));
    }
  }
  await writeFile(join(outDir, "summary.md"), report);
  console.log(report);
}
