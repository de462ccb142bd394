/**
 * Waits for live readers to be registered with the engine, so a test appends (closes,
 * deletes, shuts down) only once its long-poll or SSE reader is provably waiting: the event
 * the test is about, rather than a pause that is long enough on an idle machine.
 */
import type { Engine } from "@rivulet/server";

/** Long-poll and SSE readers waiting on the stream at `path` (its request path) right now. */
export function waitingReaders(engine: Engine, path: string): number {
  return engine.inMemory(path)?.live?.size ?? 0;
}

/** Resolves once at least `count` readers wait on `path`; fails after `timeoutMs`. */
export async function readersWaiting(engine: Engine, path: string, count = 1, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (waitingReaders(engine, path) < count) {
    if (Date.now() > deadline) {
      throw new Error(
        `${waitingReaders(engine, path)} of ${count} live readers waiting on ${path} after ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * For a server in another process: resolves once its /metrics counts at least `count` open
 * live reads of `mode`, so the requests have arrived and are being held.
 */
export async function liveReadsOpen(
  origin: string,
  mode: "long-poll" | "sse",
  count = 1,
  timeoutMs = 10_000,
): Promise<void> {
  const sample = `rivulet_live_connections{mode="${mode}"} `;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await (await fetch(`${origin}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(sample));
    const open = line === undefined ? 0 : Number(line.slice(sample.length));
    if (open >= count) return;
    if (Date.now() > deadline) throw new Error(`${open} of ${count} ${mode} reads open after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
