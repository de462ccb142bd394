/**
 * A wake as a handler sees it (PROTOCOL §7): the streams with pending work, reads of that
 * work, acks, and a signal that says when the wake is lost. The same for a webhook's wake
 * and a pull-wake claim; only where acks go differs (the callback URL or the ack endpoint).
 *
 * What a finished wake acks, per stream: the offset given to `ack()`, else the further of
 * the wake's tail and where `read()` got to — so data read past the tail is not delivered
 * twice, and a stream the handler chose not to read counts as handled.
 */
import { StreamError } from "../errors.js";
import { compareOffsets } from "../offsets.js";
import type { MaybePromise } from "../options.js";
import type { ReadOptions } from "../read/read-options.js";
import type { StreamResponse } from "../read/response.js";
import type { Ack, SubscriptionsClient, WakeLease } from "./subscriptions-client.js";
import type { WakeStream } from "./wire.js";

/** Options of a read of a wake's stream: always catch-up, from the stream's cursor. */
export type WakeReadOptions<T = unknown> = Omit<ReadOptions<T>, "offset" | "live" | "signal">;

export interface Wake {
  readonly subscriptionId: string;
  readonly wakeId: string;
  readonly generation: number;
  /** The streams with pending work, each with its cursor and its tail when the wake was issued. */
  readonly streams: readonly WakeStream[];
  /** Aborted when the wake is lost (fenced, its subscription deleted) or the worker or receiver stops. */
  readonly signal: AbortSignal;
  /** A catch-up read of one stream's pending data: from its cursor up to its current tail. */
  read<T = unknown>(stream: string | WakeStream, options?: WakeReadOptions<T>): Promise<StreamResponse<T>>;
  /** Records that `stream` is processed up to `offset`; sent with the next heartbeat and at the end. */
  ack(stream: string | WakeStream, offset: string): void;
  /** Sends the acks recorded so far and extends the lease now (§7.2); FENCED when the wake is lost. */
  heartbeat(): Promise<void>;
}

/** Handles one wake; returning acks it, throwing does not. */
export type WakeHandler = (wake: Wake) => MaybePromise<void>;

export interface WakeInit extends WakeLease {
  readonly streams: readonly WakeStream[];
}

/** Failures that mean the wake is gone for good, not that the request may work next time. */
const LOST_CODES: ReadonlySet<string> = new Set(["FENCED", "NOT_FOUND", "UNAUTHORIZED"]);

export function losesWake(error: unknown): boolean {
  return error instanceof StreamError && LOST_CODES.has(error.code);
}

export class WakeSession implements Wake {
  readonly subscriptionId: string;
  readonly wakeId: string;
  readonly generation: number;
  readonly streams: readonly WakeStream[];
  readonly #lease: WakeLease;
  readonly #client: SubscriptionsClient;
  readonly #controller = new AbortController();
  readonly #explicit = new Map<string, string>();
  readonly #reads = new Map<string, StreamResponse<unknown>[]>();

  constructor(init: WakeInit, client: SubscriptionsClient, stop?: AbortSignal) {
    const { streams, ...lease } = init;
    this.#lease = lease;
    this.#client = client;
    this.subscriptionId = init.subscriptionId;
    this.wakeId = init.wakeId;
    this.generation = init.generation;
    this.streams = streams;
    if (stop?.aborted) this.#controller.abort(stop.reason);
    else stop?.addEventListener("abort", () => this.#controller.abort(stop.reason), { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  async read<T = unknown>(stream: string | WakeStream, options: WakeReadOptions<T> = {}): Promise<StreamResponse<T>> {
    const entry = this.#entry(stream);
    const handle = this.#client.streams.stream(encodePath(entry.path));
    const response = await handle.stream<T>({
      ...options,
      offset: entry.ackedOffset,
      live: false,
      signal: this.signal,
    });
    const reads = this.#reads.get(entry.path) ?? [];
    reads.push(response as StreamResponse<unknown>);
    this.#reads.set(entry.path, reads);
    return response;
  }

  ack(stream: string | WakeStream, offset: string): void {
    const path = typeof stream === "string" ? stream : stream.path;
    if (typeof offset !== "string" || offset === "") {
      throw new StreamError("INVALID_ARGUMENT", `Invalid offset for ${path}: ${String(offset)}`, { url: this.#ackUrl });
    }
    this.#explicit.set(path, offset);
  }

  async heartbeat(): Promise<void> {
    await this.#send(
      [...this.#explicit].map(([stream, offset]) => ({ stream, offset })),
      false,
    );
  }

  /** The acks that finish this wake (see the file comment). */
  finalAcks(): Ack[] {
    const acks = new Map(this.#explicit);
    for (const { path, tailOffset } of this.streams) {
      if (acks.has(path)) continue;
      let offset = tailOffset;
      for (const read of this.#reads.get(path) ?? []) if (compareOffsets(read.offset, offset) > 0) offset = read.offset;
      acks.set(path, offset);
    }
    return [...acks].map(([stream, offset]) => ({ stream, offset }));
  }

  /** Whether the final acks are exactly the wake's tails: what a webhook's `{"done": true}` acks (§7.1). */
  acksAreTails(): boolean {
    const acks = this.finalAcks();
    const tails = new Map(this.streams.map((s) => [s.path, s.tailOffset]));
    return acks.length === tails.size && acks.every(({ stream, offset }) => tails.get(stream) === offset);
  }

  /** Acks and ends the wake; says whether more work is pending. */
  complete(): Promise<{ nextWake: boolean }> {
    return this.#send(this.finalAcks(), true);
  }

  release(): Promise<void> {
    return this.#client.release(this.#lease);
  }

  /** The wake is gone: handlers see it through `signal`. */
  lose(reason: unknown): void {
    this.#controller.abort(reason);
  }

  /**
   * Heartbeats every `intervalMs` until the returned function is called (which resolves once
   * a heartbeat in flight has settled) or the wake is lost; `report` hears of each renewal and
   * failure. A failure that loses the wake aborts `signal`. The lease ran from before the
   * request that granted it was answered, so each beat is timed from when the request before
   * it was sent (`since` for the first: when the claim went out), not from its answer.
   */
  keepAlive(intervalMs: number, report: (error?: unknown) => void, since = Date.now()): () => Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let inFlight: Promise<void> = Promise.resolve();
    const schedule = (sentAt: number) => {
      if (!stopped && !this.signal.aborted) timer = setTimeout(tick, Math.max(0, sentAt + intervalMs - Date.now()));
    };
    const tick = () => {
      const sentAt = Date.now();
      inFlight = this.heartbeat().then(
        () => report(),
        (error: unknown) => report(error),
      );
      void inFlight.then(() => schedule(sentAt));
    };
    schedule(since);
    return () => {
      stopped = true;
      clearTimeout(timer);
      return inFlight;
    };
  }

  async #send(acks: Ack[], done: boolean): Promise<{ nextWake: boolean }> {
    try {
      return await this.#client.ack(this.#lease, acks, { done });
    } catch (error) {
      if (losesWake(error)) this.lose(error);
      throw error;
    }
  }

  #entry(stream: string | WakeStream): WakeStream {
    const path = typeof stream === "string" ? stream : stream.path;
    const entry = this.streams.find((s) => s.path === path);
    if (!entry) {
      throw new StreamError("USAGE", `${path} is not one of this wake's streams`, { url: this.#ackUrl });
    }
    return entry;
  }

  get #ackUrl(): string {
    return this.#lease.callbackUrl ?? this.#client.url(this.subscriptionId, "ack");
  }
}

/** A stream-root-relative path as a URL path: each segment encoded, slashes kept. */
export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}
