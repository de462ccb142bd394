/**
 * The pull-wake worker (PROTOCOL §7.2, §7.3): follows the wake stream, claims a subscription
 * when a wake event names it, runs the handler with the wake while heartbeating its lease,
 * and acks with `done` — or, when the handler fails, releases the wake and waits (backoff)
 * before claiming that subscription again. A fenced wake ends its unit of work without an ack.
 * `stop()` (or the signal, or `await using`) gives back wakes in hand and ends.
 *
 * It claims each subscription once at start too: work whose wake event was written before
 * the worker was following is found that way.
 */
import { checkFunction, invalidArgument } from "../check.js";
import { asyncDispose } from "../dispose.js";
import { StreamError } from "../errors.js";
import type { MaybePromise } from "../options.js";
import { backoffDelay, checkedRetryPolicy, type RetryPolicy } from "../retry.js";
import { AlreadyClaimedError } from "./errors.js";
import type { SubscriptionsClient } from "./subscriptions-client.js";
import { encodePath, losesWake, type WakeHandler, WakeSession } from "./wake.js";
import { wakeEventsOf } from "./wake-events.js";
import type { WakeClaim } from "./wire.js";
import {
  BACKOFF_DEFAULTS,
  checkWorkerOptions,
  defaultWorkerName,
  type PullWakeWorkerOptions,
  type WorkerEvent,
  type WorkerPhase,
} from "./worker-options.js";

type Outcome = { kind: "done" } | { kind: "failed"; error: unknown } | { kind: "aborted" };

export class PullWakeWorker {
  /** The name this worker claims under. */
  readonly name: string;
  readonly subscriptionIds: readonly string[];
  readonly #client: SubscriptionsClient;
  readonly #handler: WakeHandler;
  readonly #options: PullWakeWorkerOptions;
  readonly #backoff: RetryPolicy;
  readonly #stopping = new AbortController();
  readonly #wanted = new Set<string>();
  readonly #active = new Map<string, Promise<void>>();
  readonly #failures = new Map<string, number>();
  readonly #waiting = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #followers: Promise<void>[] = [];
  #started: Promise<void> | undefined;
  #fatal: ((error: unknown) => void) | undefined;
  /** Settles when the worker has stopped: resolves after `stop()`, rejects when following the wake stream fails for good. */
  readonly done: Promise<void>;
  #finish!: () => void;

  constructor(
    client: SubscriptionsClient,
    subscriptionIds: string | readonly string[],
    handler: WakeHandler,
    options: PullWakeWorkerOptions = {},
  ) {
    const ids = typeof subscriptionIds === "string" ? [subscriptionIds] : [...subscriptionIds];
    const where = client.baseUrl;
    if (ids.length === 0 || ids.some((id) => typeof id !== "string" || id === "")) {
      throw invalidArgument(where, "subscriptionIds", "must be one or more subscription ids", subscriptionIds);
    }
    checkFunction(where, "handler", handler, true);
    checkWorkerOptions(where, options);
    this.#client = client;
    this.#handler = handler;
    this.#options = options;
    this.#backoff = checkedRetryPolicy(where, "backoff", BACKOFF_DEFAULTS, options.backoff);
    this.name = options.name ?? defaultWorkerName();
    this.subscriptionIds = ids;
    this.done = new Promise<void>((resolve, reject) => {
      this.#finish = resolve;
      this.#fatal = reject;
    });
    // Whoever awaits `done` hears of a failure; nobody awaiting it is not an unhandled rejection.
    this.done.catch(() => {});
    const { signal } = options;
    if (signal?.aborted) void this.stop();
    else signal?.addEventListener("abort", () => void this.stop(), { once: true });
  }

  /** Starts following the wake stream(s) and claiming; resolves once wake events are being read. */
  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  /** Stops claiming, gives back the wakes in hand (their handlers see `wake.signal` abort), and resolves once all has settled. */
  async stop(): Promise<void> {
    if (!this.#stopping.signal.aborted) {
      this.#stopping.abort(new StreamError("ABORTED", "The worker is stopping", { url: this.#client.baseUrl }));
      for (const timer of this.#waiting.values()) clearTimeout(timer);
      this.#waiting.clear();
    }
    await Promise.allSettled([this.#started, ...this.#followers, ...this.#active.values()]);
    this.#finish();
  }

  [asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #start(): Promise<void> {
    const byStream = await this.#wakeStreams();
    await Promise.all([...byStream].map(([wakeStream, ids]) => this.#follow(wakeStream, ids)));
    for (const id of this.subscriptionIds) this.#want(id);
  }

  /** Which wake stream each subscription writes to: the option, else the subscription's own. */
  async #wakeStreams(): Promise<Map<string, Set<string>>> {
    const byStream = new Map<string, Set<string>>();
    for (const id of this.subscriptionIds) {
      let wakeStream = this.#options.wakeStream;
      if (wakeStream === undefined) {
        const info = await this.#client.get(id, { signal: this.#stopping.signal });
        if (info.wakeStream === null) {
          throw new StreamError("USAGE", `Subscription ${id} delivers by webhook; a worker needs a pull-wake one`, {
            url: this.#client.url(id),
          });
        }
        wakeStream = info.wakeStream;
      }
      const ids = byStream.get(wakeStream) ?? new Set<string>();
      byStream.set(wakeStream, ids.add(id));
    }
    return byStream;
  }

  /** Opens a live read of the wake stream from now (its first answer pins "now"), then reads on in the background. */
  async #follow(wakeStream: string, ids: ReadonlySet<string>): Promise<void> {
    const handle = this.#client.streams.stream(encodePath(wakeStream));
    const response = await handle.stream({
      offset: "now",
      live: "long-poll",
      signal: this.#stopping.signal,
      retry: { maxRetries: Number.POSITIVE_INFINITY },
    });
    this.#emit({ type: "following", wakeStream });
    const reading = (async () => {
      for await (const batch of response) {
        for (const event of wakeEventsOf(batch, response.contentType)) {
          if (ids.has(event.subscriptionId)) this.#want(event.subscriptionId);
        }
      }
      if (!this.#stopping.signal.aborted) {
        throw new StreamError("STREAM_CLOSED", `The wake stream ${wakeStream} was closed`, { url: handle.url });
      }
    })().catch((error: unknown) => {
      if (this.#stopping.signal.aborted) return;
      this.#emit({ type: "error", subscriptionId: undefined, phase: "follow", error });
      this.#fatal?.(error);
      void this.stop();
    });
    this.#followers.push(reading);
  }

  #want(id: string): void {
    this.#wanted.add(id);
    this.#pump();
  }

  /** Starts a unit of work for each wanted subscription, while the concurrency allows. */
  #pump(): void {
    const limit = this.#options.concurrency ?? 1;
    for (const id of this.#wanted) {
      if (this.#stopping.signal.aborted || this.#active.size >= limit) return;
      if (this.#active.has(id) || this.#waiting.has(id)) continue;
      this.#wanted.delete(id);
      const unit = this.#claimAndRun(id).finally(() => {
        this.#active.delete(id);
        this.#pump();
      });
      this.#active.set(id, unit);
    }
  }

  async #claimAndRun(id: string): Promise<void> {
    let claim: WakeClaim | undefined;
    const claimedAt = Date.now();
    try {
      claim = await this.#client.claim(id, this.name, { signal: this.#stopping.signal });
    } catch (error) {
      if (this.#stopping.signal.aborted) return;
      if (error instanceof AlreadyClaimedError) {
        this.#emit({ type: "busy", subscriptionId: id, holder: error.currentHolder });
        return;
      }
      this.#retryLater(id, "claim", error);
      return;
    }
    if (!claim) return;
    const { wakeId, generation } = claim;
    this.#emit({ type: "claimed", subscriptionId: id, wakeId, generation, streams: claim.streams.length });
    await this.#run(new WakeSession(claim, this.#client, this.#stopping.signal), claim.leaseTtlMs, claimedAt);
  }

  async #run(wake: WakeSession, leaseTtlMs: number, claimedAt: number): Promise<void> {
    const { subscriptionId, wakeId, generation } = wake;
    const report = (error?: unknown) => {
      if (error === undefined) this.#emit({ type: "renewed", subscriptionId, wakeId, generation });
      else if (!losesWake(error)) this.#emit({ type: "error", subscriptionId, phase: "heartbeat", error });
    };
    const stopBeating = wake.keepAlive(this.#options.heartbeatMs ?? leaseTtlMs / 3, report, claimedAt);
    const outcome = await settle(() => this.#handler(wake), wake.signal);
    await stopBeating();
    if (losesWake(wake.signal.reason)) {
      this.#emit({ type: "lost", subscriptionId, wakeId, generation, error: wake.signal.reason });
      return;
    }
    if (outcome.kind === "done") await this.#ack(wake);
    else await this.#giveBack(wake, outcome);
  }

  /** The handler is done: ack (by the wake's rule) and end the wake; claim again if more is pending. */
  async #ack(wake: WakeSession): Promise<void> {
    const { subscriptionId, wakeId, generation } = wake;
    try {
      const { nextWake } = await wake.complete();
      this.#failures.delete(subscriptionId);
      this.#emit({ type: "acked", subscriptionId, wakeId, generation, nextWake });
      if (nextWake) this.#want(subscriptionId);
    } catch (error) {
      if (losesWake(error)) this.#emit({ type: "lost", subscriptionId, wakeId, generation, error });
      else this.#retryLater(subscriptionId, "ack", error);
    }
  }

  /** The handler failed or the worker is stopping: release without an ack (§7.2). */
  async #giveBack(wake: WakeSession, outcome: Exclude<Outcome, { kind: "done" }>): Promise<void> {
    const { subscriptionId, wakeId, generation } = wake;
    if (outcome.kind === "failed") this.#retryLater(subscriptionId, "handler", outcome.error);
    try {
      await wake.release();
      const reason = outcome.kind === "failed" ? "failed" : "stopped";
      this.#emit({ type: "released", subscriptionId, wakeId, generation, reason });
    } catch (error) {
      // Not given back: its lease runs out, and the server wakes it again then.
      this.#emit({ type: "error", subscriptionId, phase: "release", error });
    }
  }

  /** A failure: claim this subscription again after a backoff that grows with failures in a row. */
  #retryLater(id: string, phase: WorkerPhase, error: unknown): void {
    const failures = (this.#failures.get(id) ?? 0) + 1;
    this.#failures.set(id, failures);
    const retryInMs = Math.round(backoffDelay(this.#backoff, failures - 1));
    this.#emit({ type: "error", subscriptionId: id, phase, error, retryInMs });
    if (this.#stopping.signal.aborted) return;
    clearTimeout(this.#waiting.get(id));
    this.#waiting.set(
      id,
      setTimeout(() => {
        this.#waiting.delete(id);
        this.#want(id);
      }, retryInMs),
    );
  }

  #emit(event: WorkerEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // A failing event hook must not break the worker.
    }
  }
}

/** `new PullWakeWorker(client, ids, handler, options)`, started: resolves once it is following the wake stream. */
export async function startWorker(
  client: SubscriptionsClient,
  subscriptionIds: string | readonly string[],
  handler: WakeHandler,
  options?: PullWakeWorkerOptions,
): Promise<PullWakeWorker> {
  const worker = new PullWakeWorker(client, subscriptionIds, handler, options);
  try {
    await worker.start();
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return worker;
}

/** The handler's result, or `aborted` as soon as the wake's signal fires (the handler may run on; its result is ignored). */
function settle(work: () => MaybePromise<void>, signal: AbortSignal): Promise<Outcome> {
  const result = new Promise<void>((resolve) => resolve(work())).then(
    (): Outcome => ({ kind: "done" }),
    (error: unknown): Outcome => ({ kind: "failed", error }),
  );
  if (signal.aborted) return Promise.resolve({ kind: "aborted" });
  return new Promise((resolve) => {
    const onAbort = () => resolve({ kind: "aborted" });
    signal.addEventListener("abort", onAbort, { once: true });
    void result.then((outcome) => {
      signal.removeEventListener("abort", onAbort);
      resolve(outcome);
    });
  });
}
