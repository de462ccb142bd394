/**
 * Runs bench/src/cluster-wake.ts in its own process (two nodes on one PostgreSQL store, the
 * change feed over NOTIFY) and returns its summaries: the cross-node wake latency of scenario 14.
 */
import { spawn } from "node:child_process";
import type { LatencySummary } from "@rivulet/load";
import { exited, track } from "../core/children.js";
import { REPO_ROOT } from "../core/repo-root.js";

export type WakeSummary = Omit<LatencySummary, "curve">;

export interface WakeResult {
  readonly streams: number;
  readonly rounds: number;
  readonly seconds: number;
  /** From the append's acknowledgement on node A to the reader on node B having it. */
  readonly fromAck: WakeSummary;
  /** From sending the append to node A. */
  readonly fromSend: WakeSummary;
}

export async function measureClusterWake(databaseUrl: string, streams: number, rounds: number): Promise<WakeResult> {
  const args = ["--import", "tsx", "bench/src/cluster-wake.ts", "--pg", databaseUrl, "--store", databaseUrl];
  args.push("--streams", String(streams), "--rounds", String(rounds), "--json");
  const child = track(spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] }));
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  await exited(child);
  const line = stdout.trim().split("\n").at(-1) ?? "";
  if (child.exitCode !== 0 || !line.startsWith("{")) {
    throw new Error(`cluster-wake exited (${child.exitCode ?? child.signalCode}): ${stderr.trim() || stdout.trim()}`);
  }
  const parsed = JSON.parse(line) as WakeResult & { fromAck: LatencySummary; fromSend: LatencySummary };
  const strip = ({ curve: _curve, ...summary }: LatencySummary): WakeSummary => summary;
  return { ...parsed, fromAck: strip(parsed.fromAck), fromSend: strip(parsed.fromSend) };
}
