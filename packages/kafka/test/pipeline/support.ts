/** Helpers of the pipeline tests: gates the test opens, and waiting for pipeline events. */
import type { PipelineEvent } from "../../src/index.js";

/** A promise with its resolve function, to block a handler until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Collects events; `when(predicate)` resolves once one seen so far or later matches. */
export function eventWatcher() {
  const events: PipelineEvent[] = [];
  const waiting: { predicate: (e: PipelineEvent) => boolean; resolve: () => void }[] = [];
  return {
    events,
    onEvent(event: PipelineEvent) {
      events.push(event);
      for (const w of waiting.splice(0))
        if (w.predicate(event)) w.resolve();
        else waiting.push(w);
    },
    when(predicate: (e: PipelineEvent) => boolean): Promise<void> {
      if (events.some(predicate)) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ predicate, resolve }));
    },
    count(predicate: (e: PipelineEvent) => boolean): number {
      return events.filter(predicate).length;
    },
  };
}

export const committedAt = (offset: string) => (e: PipelineEvent) =>
  e.type === "consumer:commit" && e.offsets.some((o) => o.offset === offset);

export const batches = (e: PipelineEvent): e is Extract<PipelineEvent, { type: "pipeline:batch" }> =>
  e.type === "pipeline:batch";

/** A test-controlled count reaching `n`. */
export function counter() {
  let value = 0;
  const waiting: { n: number; resolve: () => void }[] = [];
  return {
    get value() {
      return value;
    },
    add() {
      value += 1;
      for (const w of waiting.splice(0))
        if (value >= w.n) w.resolve();
        else waiting.push(w);
    },
    reaches(n: number): Promise<void> {
      if (value >= n) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ n, resolve }));
    },
  };
}
