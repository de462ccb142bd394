/**
 * Samples the machine's 1-minute load average while a scenario runs. The benchmark itself
 * keeps about two processes busy (server and generator); more than that means other work
 * competed for the 2 vCPUs and the figures are pessimistic.
 */
import { readFileSync } from "node:fs";

export interface LoadFigures {
  readonly mean: number;
  readonly max: number;
}

export function sampleLoad(intervalMs = 2000): () => LoadFigures {
  const samples: number[] = [];
  const take = () => {
    try {
      samples.push(Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]));
    } catch {
      // Not Linux: no figure.
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    take();
    const valid = samples.filter(Number.isFinite);
    if (valid.length === 0) return { mean: Number.NaN, max: Number.NaN };
    return { mean: valid.reduce((a, b) => a + b, 0) / valid.length, max: Math.max(...valid) };
  };
}
