/** A description of the machine the figures were taken on. */
import { readFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";

export interface Machine {
  readonly cpuModel: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly kernel: string;
  /** Filesystem holding the data directories. */
  readonly dataFilesystem: string;
  readonly fileDescriptorLimit: string;
  /** /proc/loadavg when the report was written: other work on the machine skews figures. */
  readonly loadAverage: string;
}

export function describeMachine(dataDir: string, fdLimit: string): Machine {
  const cpuinfo = safeRead("/proc/cpuinfo");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown";
  const vcpus = (cpuinfo.match(/^processor\s*:/gm) ?? []).length || cpus().length;
  return {
    cpuModel: model,
    vcpus,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: `Linux ${release()}`,
    dataFilesystem: filesystemOf(dataDir),
    fileDescriptorLimit: fdLimit,
    loadAverage: safeRead("/proc/loadavg").split(" ").slice(0, 3).join(" "),
  };
}

function filesystemOf(path: string): string {
  let best: { mount: string; text: string } | undefined;
  for (const line of safeRead("/proc/mounts").split("\n")) {
    const [device, mount, type] = line.split(" ");
    if (!device || !mount || !type || !path.startsWith(mount)) continue;
    if (!best || mount.length > best.mount.length) best = { mount, text: `${type} on ${device} (mounted at ${mount})` };
  }
  return best?.text ?? "unknown";
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
