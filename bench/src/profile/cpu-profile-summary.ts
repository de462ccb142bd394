/**
 * Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and lists where the time went:
 * self time per function and per source file, idle time left out.
 */
import { readFile } from "node:fs/promises";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  /** Microseconds on the monotonic clock (CLOCK_MONOTONIC on Linux). */
  startTime: number;
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly busyMs: number;
  readonly idleMs: number;
  readonly functions: readonly SelfTime[];
  readonly files: readonly SelfTime[];
}

/** `fromUs`: count only samples taken at or after this monotonic time (the measured phase). */
export async function summariseProfile(file: string, top = 25, fromUs = 0): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < fromUs) continue;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }

  const functions = new Map<string, { name: string; where: string; us: number }>();
  const files = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : "";
    const key = `${frame.functionName}@${where}`;
    const entry = functions.get(key) ?? { name: frame.functionName || "(anonymous)", where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const fileKey = frame.url ? shortUrl(frame.url) : frame.functionName;
    files.set(fileKey, (files.get(fileKey) ?? 0) + us);
  }
  const percent = (us: number) => (100 * us) / Math.max(1, busyUs);
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    functions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, ms: f.us / 1000, percent: percent(f.us) })),
    files: [...files.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, us]) => ({ name: "", where, ms: us / 1000, percent: percent(us) })),
  };
}

function shortUrl(url: string): string {
  const packages = url.indexOf("/packages/");
  if (packages >= 0) return url.slice(packages + 1);
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) return url.slice(modules + "/node_modules/".length);
  return url.replace(/^file:\/\//, "");
}

export function formatSummary(title: string, summary: ProfileSummary): string {
  const lines = [`## ${title}`, "", `busy ${summary.busyMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms`, ""];
  lines.push("| self ms | % of busy | function | where |", "| ---: | ---: | --- | --- |");
  for (const f of summary.functions)
    lines.push(`| ${f.ms.toFixed(0)} | ${f.percent.toFixed(1)} | ${f.name} | ${f.where} |`);
  lines.push("", "| self ms | % of busy | file |", "| ---: | ---: | --- |");
  for (const f of summary.files) lines.push(`| ${f.ms.toFixed(0)} | ${f.percent.toFixed(1)} | ${f.where} |`);
  return `${lines.join("\n")}\n`;
}
