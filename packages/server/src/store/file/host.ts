/**
 * What the store needs to know about its process and host, read from /proc on Linux. Elsewhere
 * each answer is undefined and callers fall back (docs/storage.md says how).
 */
import { readFile } from "node:fs/promises";

/** The kernel's start time of process `pid` (field 22 of /proc/<pid>/stat), which tells a reused pid apart. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  const stat = await readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // Field 2, the command, is in parentheses and may hold spaces and parentheses itself.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[22 - 3];
}

/** Changes at every boot: a lock written before a reboot is stale whatever its pid. */
export async function bootId(): Promise<string | undefined> {
  return (await readProc("/proc/sys/kernel/random/boot_id"))?.trim().replaceAll("-", "");
}

/** The soft limit on open files of this process. */
export async function openFileLimit(): Promise<number | undefined> {
  const limits = await readProc("/proc/self/limits");
  const soft = limits && /^Max open files\s+(\S+)/m.exec(limits)?.[1];
  if (soft === undefined || soft === "unlimited") return undefined;
  const value = Number(soft);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Whether a process with this pid exists (it may be another program that reused the pid). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readProc(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}
