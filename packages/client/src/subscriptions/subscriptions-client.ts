/**
 * The subscription API (PROTOCOL §6, §7) under a stream root: create or re-confirm, read,
 * delete and list subscriptions, link and unlink streams, and the wake requests — claim,
 * ack (and heartbeat), release. Built from the same options as `createClient`, so the token,
 * headers, fetch, retries and events are configured once; `streams` reads the data.
 */
import { invalidArgument } from "../check.js";
import { type CreateClientOptions, StreamClient, withToken } from "../client.js";
import { parseError } from "../errors.js";
import type { OperationOptions } from "../handle/results.js";
import type { FetchLike } from "../options.js";
import { checkedRetryPolicy } from "../retry.js";
import { configBody, type SubscriptionConfig } from "./config.js";
import { SubscriptionHttp } from "./http.js";
import {
  readAckAnswer,
  readClaim,
  readPage,
  readSubscription,
  type SubscriptionInfo,
  type SubscriptionPage,
  type SubscriptionSummary,
  type WakeClaim,
} from "./wire.js";

export interface SubscriptionsOptions extends CreateClientOptions {
  /** The stream root, e.g. `https://streams.example.com/v1/stream`: subscriptions live under its `__ds/`. */
  baseUrl: string | URL;
}

export interface CreateSubscriptionResult {
  /** False when an identical subscription was already there (re-confirmed, §6.2). */
  readonly created: boolean;
  readonly subscription: SubscriptionInfo;
}

export interface ListOptions extends OperationOptions {
  /** The previous page's `next`. */
  after?: string;
  /** 1 to 1,000 (server default 100). */
  limit?: number;
}

/** One ack: `stream` is processed up to `offset`, and its next read starts there (§7). */
export interface Ack {
  readonly stream: string;
  readonly offset: string;
}

/** What ack and release need of a wake: whose it is, which one, and its token. */
export interface WakeLease {
  readonly subscriptionId: string;
  readonly wakeId: string;
  readonly generation: number;
  readonly token: string;
  /** A webhook's `callback_url`; pull-wake acks go to the subscription's `ack` endpoint. */
  readonly callbackUrl?: string;
}

export interface AckOptions extends OperationOptions {
  /** End the wake (§7.2); without it the ack is a heartbeat that extends the lease. */
  done?: boolean;
}

export class SubscriptionsClient {
  /** The stream root, without a trailing slash. */
  readonly baseUrl: string;
  /** Stream handles with the same options, for reading what wakes name. */
  readonly streams: StreamClient;
  /** @internal The configured fetch, for requests outside the API (the signing keys). */
  readonly fetchImpl: FetchLike | undefined;
  readonly #http: SubscriptionHttp;

  constructor(options: SubscriptionsOptions) {
    if (options?.baseUrl === undefined) {
      throw invalidArgument("", "baseUrl", "is needed: the stream root subscriptions live under", undefined);
    }
    this.streams = new StreamClient(options);
    this.baseUrl = this.streams.baseUrl!;
    this.fetchImpl = options.fetch;
    const headers = options.token === undefined ? options.headers : withToken(options.headers, options.token);
    this.#http = new SubscriptionHttp(
      { ...options, headers },
      checkedRetryPolicy(this.baseUrl, "retry", options.retry),
    );
  }

  /** The URL of subscription `id`, or of one of its endpoints. */
  url(id: string, endpoint?: "streams" | "claim" | "ack" | "release"): string {
    if (typeof id !== "string" || id === "") throw invalidArgument(this.baseUrl, "id", "must be a subscription id", id);
    const base = `${this.baseUrl}/__ds/subscriptions/${encodeURIComponent(id)}`;
    return endpoint === undefined ? base : `${base}/${endpoint}`;
  }

  /**
   * Creates the subscription, or re-confirms it when an identical one exists (§6.2); a
   * different one under the same id is SUBSCRIPTION_EXISTS.
   */
  async create(id: string, config: SubscriptionConfig, options?: OperationOptions): Promise<CreateSubscriptionResult> {
    const url = this.url(id);
    const body = configBody(url, config);
    const response = await this.#http.request({ method: "PUT", url, body, retry: "always" }, options);
    return { created: response.status === 201, subscription: readSubscription(response.body, url) };
  }

  /** The subscription with its cursors; NOT_FOUND when there is none. */
  async get(id: string, options?: OperationOptions): Promise<SubscriptionInfo> {
    const url = this.url(id);
    const response = await this.#http.request({ method: "GET", url, retry: "always" }, options);
    return readSubscription(response.body, url);
  }

  /** Deletes the subscription (§6.3); NOT_FOUND when there is none. */
  async delete(id: string, options?: OperationOptions): Promise<void> {
    let retried = false;
    try {
      await this.#http.request(
        { method: "DELETE", url: this.url(id), retry: "always", onRetry: () => (retried = true) },
        options,
      );
    } catch (error) {
      // A retry that finds nothing: the first attempt deleted it and its answer was lost.
      if (!(retried && (error as { code?: string }).code === "NOT_FOUND")) throw error;
    }
  }

  /** One page of subscriptions in id order. */
  async list(options: ListOptions = {}): Promise<SubscriptionPage> {
    const { after, limit, ...rest } = options;
    const url = new URL(`${this.baseUrl}/__ds/subscriptions`);
    if (after !== undefined) url.searchParams.set("after", after);
    if (limit !== undefined) url.searchParams.set("limit", String(limit));
    const response = await this.#http.request({ method: "GET", url: url.href, retry: "always" }, rest);
    return readPage(response.body, url.href);
  }

  /** Every subscription, a page at a time, following `next`. */
  async *listAll(options: Omit<ListOptions, "after"> = {}): AsyncGenerator<SubscriptionSummary> {
    let after: string | null | undefined;
    do {
      const page = await this.list(after == null ? options : { ...options, after });
      yield* page.subscriptions;
      after = page.next;
    } while (after !== null);
  }

  /** Links streams explicitly, each at its current tail (§6.4); linking one twice changes nothing. */
  async addStreams(id: string, streams: readonly string[], options?: OperationOptions): Promise<void> {
    const url = this.url(id, "streams");
    if (!Array.isArray(streams) || streams.some((s) => typeof s !== "string" || s === "")) {
      throw invalidArgument(url, "streams", "must be an array of stream paths", streams);
    }
    await this.#http.request({ method: "POST", url, body: { streams }, retry: "always" }, options);
  }

  /** Removes an explicit link (§6.4); a glob link that matches stays. */
  async removeStream(id: string, path: string, options?: OperationOptions): Promise<void> {
    if (typeof path !== "string" || path.replace(/^\/+/, "") === "") {
      throw invalidArgument(this.url(id), "path", "must be a stream path", path);
    }
    const encoded = path.replace(/^\/+/, "").split("/").map(encodeURIComponent).join("/");
    await this.#http.request(
      { method: "DELETE", url: `${this.url(id, "streams")}/${encoded}`, retry: "always" },
      options,
    );
  }

  /**
   * Claims the subscription's wake for `worker` (§7.2): the claim, or undefined when there is
   * nothing to claim. Another holder is ALREADY_CLAIMED (an `AlreadyClaimedError`).
   */
  async claim(id: string, worker: string, options?: OperationOptions): Promise<WakeClaim | undefined> {
    const url = this.url(id, "claim");
    if (typeof worker !== "string" || worker === "") throw invalidArgument(url, "worker", "must be a name", worker);
    const response = await this.#http.request(
      { method: "POST", url, body: { worker }, retry: "if-not-applied" },
      options,
    );
    return response.status === 204 ? undefined : readClaim(response.body, url, id);
  }

  /**
   * Acks (§7.1 callback, §7.2 ack): moves cursors forward; with `done` ends the wake and says
   * whether more work is pending, without it extends the lease. A stale wake is FENCED.
   */
  async ack(lease: WakeLease, acks: readonly Ack[], options: AckOptions = {}): Promise<{ nextWake: boolean }> {
    const { done = false, ...rest } = options;
    const url = lease.callbackUrl ?? this.url(lease.subscriptionId, "ack");
    const body = {
      wake_id: lease.wakeId,
      generation: lease.generation,
      acks: acks.map(({ stream, offset }) => ({ stream, offset })),
      done,
    };
    const response = await this.#http.request({ method: "POST", url, body, token: lease.token, retry: "always" }, rest);
    return readAckAnswer(response.body, url);
  }

  /** Gives the wake back without acking (§7.2); pending work is woken again. */
  async release(lease: WakeLease, options?: OperationOptions): Promise<void> {
    const url = lease.callbackUrl?.replace(/\/callback$/, "/release") ?? this.url(lease.subscriptionId, "release");
    const body = { wake_id: lease.wakeId, generation: lease.generation };
    let retried = false;
    try {
      await this.#http.request(
        { method: "POST", url, body, token: lease.token, retry: "always", onRetry: () => (retried = true) },
        options,
      );
    } catch (error) {
      // A retry that finds the wake ended: the first attempt released it and its answer was lost.
      if (!(retried && (error as { code?: string }).code === "FENCED")) throw error;
    }
  }

  /** Replaces the server's webhook signing key now (admin); the old one stays published for the replay window. */
  async rotateSigningKey(options?: OperationOptions): Promise<{ kid: string }> {
    const url = `${this.baseUrl}/__ds/signing-keys/rotate`;
    const response = await this.#http.request({ method: "POST", url, retry: "if-not-applied" }, options);
    const kid = (response.body as { kid?: unknown } | undefined)?.kid;
    if (typeof kid !== "string") throw parseError(url, "The server's answer names no kid");
    return { kid };
  }

  /** Where the server publishes its webhook signing keys (§6.5). */
  get jwksUrl(): string {
    return `${this.baseUrl}/__ds/jwks.json`;
  }
}

/** `new SubscriptionsClient(options)`. */
export function subscriptions(options: SubscriptionsOptions): SubscriptionsClient {
  return new SubscriptionsClient(options);
}
