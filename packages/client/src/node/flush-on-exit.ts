/**
 * Flushing producers when a Node process ends. What can be done depends on how it ends:
 *
 * - a signal (SIGTERM, SIGINT): close the producers (bounded by `timeoutMs`), then end the
 *   process by the same signal, as it would have ended without us;
 * - `beforeExit` (the event loop ran out of work, e.g. a script's last batch waits for a
 *   flush that never came): flush, which gives the loop work again; the process then exits;
 * - `process.exit()` and an uncaught exception: the process stops synchronously, and no
 *   request can be made any more. What was not acknowledged is lost, and `onUnsent` says
 *   how much (default: a line on stderr). An uncaught exception can be made to flush first
 *   with `uncaughtException: true`: the error is printed, the producers are closed, and the
 *   process exits with code 1, as it would have.
 */
import { writeSync } from "node:fs";
import { checkFunction, checkNumber, Rule } from "../check.js";
import type { IdempotentProducer } from "../producer/idempotent-producer.js";

export interface ExitFlushOptions {
  /** Longest wait for the producers at a signal or uncaught exception (default 10 s), so a stuck server cannot hold shutdown forever. */
  timeoutMs?: number;
  /** Signals that close the producers and then end the process (default SIGTERM and SIGINT). */
  signals?: readonly NodeJS.Signals[];
  /** Close the producers after an uncaught exception too, then exit with code 1 (default false). */
  uncaughtException?: boolean;
  /** Told synchronously, as the process exits, about items still unacknowledged (default: a line on stderr). */
  onUnsent?: (unsent: UnsentItems) => void;
}

export interface UnsentItems {
  producerId: string;
  url: string;
  /** Items appended but never acknowledged by the server: they did not land, or landing was not confirmed. */
  items: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Hooks the producers into the process's exit paths (see the file comment). Returns a
 * function that removes the hooks again.
 */
export function flushOnExit(
  producers: IdempotentProducer | readonly IdempotentProducer[],
  options: ExitFlushOptions = {},
): () => void {
  const list = Array.isArray(producers) ? [...producers] : [producers as IdempotentProducer];
  checkNumber("", "timeoutMs", options.timeoutMs, Rule.limitMs);
  checkFunction("", "onUnsent", options.onUnsent);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  const onUnsent = options.onUnsent ?? reportUnsent;
  let closing = false;
  let flushedAtBeforeExit = -1;

  const closeAll = () => Promise.allSettled(list.map((producer) => producer.close({ timeoutMs })));
  const pending = () => list.reduce((sum, producer) => sum + producer.pendingItems, 0);

  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal while closing means "now".
    if (closing) return endBy(signal);
    closing = true;
    void closeAll().then(() => endBy(signal));
  };
  const onBeforeExit = () => {
    const items = pending();
    // Flush once per amount left: items that cannot be delivered must not keep the process alive.
    if (items === 0 || items === flushedAtBeforeExit || closing) return;
    flushedAtBeforeExit = items;
    for (const producer of list) producer.flush({ timeoutMs }).catch(() => {});
  };
  const onExit = () => {
    for (const producer of list) {
      const items = producer.pendingItems;
      if (items > 0) onUnsent({ producerId: producer.producerId, url: producer.url, items });
    }
  };
  const onUncaught = (error: unknown) => {
    writeSync(2, `${describeError(error)}\n`);
    if (closing) process.exit(1);
    closing = true;
    void closeAll().then(() => process.exit(1));
  };

  const signalListeners = signals.map((signal) => [signal, () => onSignal(signal)] as const);
  const remove = () => {
    for (const [signal, listener] of signalListeners) process.off(signal, listener);
    process.off("beforeExit", onBeforeExit);
    process.off("exit", onExit);
    process.off("uncaughtException", onUncaught);
  };
  const endBy = (signal: NodeJS.Signals) => {
    // Death by a signal fires no "exit" event: report what is left now.
    onExit();
    remove();
    // With nobody else listening, the signal's default action ends the process as it would have.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };

  for (const [signal, listener] of signalListeners) process.on(signal, listener);
  process.on("beforeExit", onBeforeExit);
  process.on("exit", onExit);
  if (options.uncaughtException) process.on("uncaughtException", onUncaught);
  return remove;
}

/** The default report: stderr, written synchronously because the process is exiting. */
function reportUnsent(unsent: UnsentItems): void {
  writeSync(
    2,
    `rivulet: producer ${unsent.producerId} exited with ${unsent.items} items not acknowledged by ${unsent.url}\n`,
  );
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return `Uncaught ${String(error)}`;
}
