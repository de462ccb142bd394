/**
 * CPU used over a measurement window, as a percentage of one core: by the server (from
 * /proc/<pid>/stat) and by the calling load-generator process. With 2 vCPUs shared by both,
 * this shows which side was saturated. Figures that cannot be read here (no server pid, no
 * /proc outside Linux) are NaN.
 */
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";

export interface CpuShare {
  readonly serverPercent: number;
  readonly generatorPercent: number;
  /** Everything else on the machine (other processes, kernel work not charged to either). */
  readonly otherPercent: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

async function processSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** CPU seconds the whole machine spent busy, summed over its CPUs (from /proc/stat). */
async function machineSeconds(): Promise<number> {
  if (process.platform !== "linux") return Number.NaN;
  const line = (await readFile("/proc/stat", "utf8")).split("\n")[0]!;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / clockTicks();
}

/** Starts a window; the returned function ends it. */
export async function cpuWindow(serverPid: number | undefined): Promise<() => Promise<CpuShare>> {
  const wallStart = performance.now();
  const ownStart = process.cpuUsage();
  const serverStart = serverPid === undefined ? 0 : await processSeconds(serverPid);
  const machineStart = await machineSeconds();
  return async () => {
    const wall = (performance.now() - wallStart) / 1000;
    const own = process.cpuUsage(ownStart);
    const server = serverPid === undefined ? Number.NaN : (await processSeconds(serverPid)) - serverStart;
    const machine = (await machineSeconds()) - machineStart;
    const generator = (own.user + own.system) / 1e6;
    return {
      serverPercent: (100 * server) / wall,
      generatorPercent: (100 * generator) / wall,
      otherPercent: Math.max(0, (100 * (machine - generator - (Number.isNaN(server) ? 0 : server))) / wall),
    };
  };
}
