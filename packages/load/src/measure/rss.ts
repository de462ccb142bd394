/** A process's resident set size, from /proc/<pid>/status (Linux). */
import { readFile } from "node:fs/promises";

export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** The RSS of `pid` if one is given; NaN (not measured) otherwise. */
export function rssIfKnown(pid: number | undefined): Promise<number> {
  return pid === undefined ? Promise.resolve(Number.NaN) : rssBytes(pid);
}
