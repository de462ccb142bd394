/**
 * The webhook receiver (PROTOCOL §7.1, §12.10): verifies a wake's Ed25519 signature against
 * the server's published keys, refuses stale, replayed and unexpected wakes, runs the handler,
 * and acknowledges — `{"done": true}` in the answer when the handler handled exactly the
 * wake's snapshot, a callback with its acks otherwise.
 *
 * Two ways to answer: `after-handler` (the default) runs the handler while the server waits,
 * so a failure is an error answer that the server retries with backoff; the handler must then
 * finish within the server's webhook timeout (10 s by default). `at-once` answers at once and
 * runs the handler afterwards, heartbeating the lease, and acks through the callback; a failed
 * handler leaves the lease to run out, after which the server wakes again.
 */
import { checkFunction, checkNumber, checkOneOf, Rule } from "../check.js";
import { asyncDispose } from "../dispose.js";
import { StreamError } from "../errors.js";
import { WebhookRejectedError, type WebhookRejection } from "./errors.js";
import {
  type BackgroundContext,
  fastifyAdapter,
  fetchAdapter,
  headerValue,
  jsonAnswer,
  nodeAdapter,
  type WebhookAnswer,
  type WebhookRequest,
} from "./receiver-adapters.js";
import { SeenWakes } from "./seen-wakes.js";
import { parseSignature, SIGNATURE_HEADER, verifySignature } from "./signature.js";
import { SigningKeys } from "./signing-keys.js";
import type { SubscriptionsClient } from "./subscriptions-client.js";
import { losesWake, type Wake, type WakeHandler, WakeSession } from "./wake.js";
import { readWebhookDelivery, type WebhookDelivery } from "./wire.js";

export type ReceiverErrorPhase = "verify" | "handler" | "heartbeat" | "ack";

export interface WebhookReceiverOptions {
  /** The server's key set (default: `{baseUrl}/__ds/jwks.json` of the client). */
  jwksUrl?: string | URL;
  /** How old a signature may be (default 5 minutes, §7.1). */
  replayWindowMs?: number;
  /** How far the server's clock may be off from this one, either way (default 30 s). */
  clockSkewMs?: number;
  /** How long fetched keys are used before the set is fetched again (default 5 minutes). */
  keyCacheMs?: number;
  /** How soon after fetching the key set an unknown key id may fetch it again (default 30 s). */
  keyCooldownMs?: number;
  /** Accept wakes only for these subscriptions (§12.10: one endpoint, several subscriptions or servers). */
  subscriptionIds?: readonly string[];
  /** `after-handler` (default): answer when the handler is done. `at-once`: answer, then run it. */
  respond?: "after-handler" | "at-once";
  /** The subscriptions' lease (default 30 s): `at-once` heartbeats every third of it. */
  leaseTtlMs?: number;
  /** Larger bodies are refused (default 4 MiB). */
  maxBodyBytes?: number;
  /** Hears of every failure: a refused request, a failed handler, heartbeat or ack (default: console.error). */
  onError?: (error: unknown, context: { phase: ReceiverErrorPhase; wake: Wake | undefined }) => void;
}

type Reject = (reason: WebhookRejection, message: string, cause?: unknown) => WebhookRejectedError;

const DEFAULTS = {
  replayWindowMs: 300_000,
  clockSkewMs: 30_000,
  keyCacheMs: 300_000,
  keyCooldownMs: 30_000,
  leaseTtlMs: 30_000,
  maxBodyBytes: 4 * 1024 * 1024,
};

/** Accepted wakes remembered for replay detection, at most. */
const SEEN_CAPACITY = 100_000;
const KEY_FETCH_TIMEOUT_MS = 5_000;

export class WebhookReceiver {
  /** `(request, context?) => Response`: Workers, Deno, Bun, Hono (`(c) => receiver.fetch(c.req.raw)`). */
  readonly fetch: ReturnType<typeof fetchAdapter>;
  /** `(req, res)`: a `node:http` server's handler, or an Express route (without a JSON parser before it). */
  readonly node: ReturnType<typeof nodeAdapter>;
  /** A Fastify plugin: `app.register(receiver.fastify, { path: "/hook" })`. */
  readonly fastify: ReturnType<typeof fastifyAdapter>;

  readonly #client: SubscriptionsClient;
  readonly #handler: WakeHandler;
  readonly #settings: typeof DEFAULTS & Pick<WebhookReceiverOptions, "subscriptionIds" | "respond" | "onError">;
  readonly #keys: SigningKeys;
  readonly #seen: SeenWakes;
  readonly #closing = new AbortController();
  readonly #background = new Set<Promise<void>>();

  constructor(client: SubscriptionsClient, handler: WakeHandler, options: WebhookReceiverOptions = {}) {
    const where = client.jwksUrl;
    checkFunction(where, "handler", handler, true);
    checkReceiverOptions(where, options);
    this.#client = client;
    this.#handler = handler;
    this.#settings = { ...DEFAULTS, ...definedOnly(options) };
    const { jwksUrl = client.jwksUrl } = options;
    this.#keys = new SigningKeys({
      jwksUrl: String(jwksUrl),
      fetch: client.fetchImpl,
      cacheMs: this.#settings.keyCacheMs,
      cooldownMs: this.#settings.keyCooldownMs,
      timeoutMs: KEY_FETCH_TIMEOUT_MS,
    });
    this.#seen = new SeenWakes(this.#settings.replayWindowMs + 2 * this.#settings.clockSkewMs, SEEN_CAPACITY);
    const handle = (request: WebhookRequest, context?: BackgroundContext) => this.handle(request, context);
    this.fetch = fetchAdapter(handle, this.#settings.maxBodyBytes);
    this.node = nodeAdapter(handle, this.#settings.maxBodyBytes);
    this.fastify = fastifyAdapter(handle, this.#settings.maxBodyBytes);
  }

  /**
   * Checks a request and accepts its wake: signature, key, time, body, subscription, and that
   * it was not accepted before (a second `verify` of one wake is WAKE_REPLAYED). Throws a
   * `WebhookRejectedError`, or a retryable StreamError when the keys could not be fetched.
   */
  async verify(request: WebhookRequest): Promise<WebhookDelivery> {
    const url = request.url ?? "webhook";
    const body = typeof request.body === "string" ? new TextEncoder().encode(request.body) : request.body;
    const reject = (reason: WebhookRejection, message: string, cause?: unknown) =>
      new WebhookRejectedError(reason, message, url, cause);
    const limit = this.#settings.maxBodyBytes;
    if (body.length > limit) throw reject("BODY_TOO_LARGE", `Body past ${limit} bytes`);
    await this.#checkSignature(request.headers, body, url, reject);
    return this.#accept(body, url, reject);
  }

  /** §12.10: the signature, from a key the server publishes, made within the window; checked before the body is read. */
  async #checkSignature(headers: WebhookRequest["headers"], body: Uint8Array, url: string, reject: Reject) {
    const header = headerValue(headers, SIGNATURE_HEADER);
    if (header === undefined) throw reject("SIGNATURE_MISSING", "No Webhook-Signature header");
    const signature = parseSignature(header);
    if (!signature) {
      throw reject("SIGNATURE_MALFORMED", "Webhook-Signature is not t=<seconds>,kid=<id>,ed25519=<signature>");
    }
    this.#checkTime(signature.timestamp * 1000, reject);
    const key = await this.#keys.key(signature.kid, url);
    if (!(await verifySignature(key, signature, body))) {
      throw reject("SIGNATURE_INVALID", `The signature does not match the body (key ${signature.kid})`);
    }
  }

  /** A signed body: a wake, for a subscription this receiver serves, not accepted before. */
  #accept(body: Uint8Array, url: string, reject: Reject): WebhookDelivery {
    let delivery: WebhookDelivery;
    try {
      delivery = readWebhookDelivery(JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body)), url);
    } catch (error) {
      throw reject("WAKE_MALFORMED", `The body is not a wake: ${(error as Error).message}`, error);
    }
    const expected = this.#settings.subscriptionIds;
    if (expected && !expected.includes(delivery.subscriptionId)) {
      throw reject("SUBSCRIPTION_UNEXPECTED", `Not a subscription this receiver serves: ${delivery.subscriptionId}`);
    }
    if (!this.#seen.remember(delivery.subscriptionId, delivery.wakeId, Date.now())) {
      throw reject("WAKE_REPLAYED", `Wake ${delivery.wakeId} was already accepted`);
    }
    return delivery;
  }

  /** The whole exchange: verify, handle, acknowledge; the answer to send back. */
  async handle(request: WebhookRequest, context: BackgroundContext = {}): Promise<WebhookAnswer> {
    const arrived = Date.now();
    // Closed: the server delivers again later, to this process once restarted or to another.
    if (this.#closing.signal.aborted) {
      return jsonAnswer(503, { error: { code: "UNAVAILABLE", message: "The webhook receiver is closed" } });
    }
    let delivery: WebhookDelivery;
    try {
      delivery = await this.verify(request);
    } catch (error) {
      this.#report(error, "verify", undefined);
      return refusal(error);
    }
    const wake = new WakeSession(
      { ...delivery, token: delivery.callbackToken, callbackUrl: delivery.callbackUrl },
      this.#client,
      this.#closing.signal,
    );
    if (this.#settings.respond === "at-once") {
      const work = this.#track(this.#runLater(wake, arrived));
      context.waitUntil?.(work);
      return jsonAnswer(202, { accepted: true });
    }
    try {
      await this.#handler(wake);
    } catch (error) {
      this.#report(error, "handler", wake);
      return jsonAnswer(500, { error: { code: "HANDLER_FAILED", message: messageOf(error) } });
    }
    // §7.1: `done` acks the snapshot; anything else goes through the callback first.
    if (wake.acksAreTails()) return jsonAnswer(200, { done: true });
    try {
      await wake.complete();
    } catch (error) {
      this.#report(error, "ack", wake);
      return jsonAnswer(500, { error: { code: "ACK_FAILED", message: messageOf(error) } });
    }
    return jsonAnswer(200, { acked: true });
  }

  /**
   * Stops: later requests are answered 503 (the server delivers again later), and handlers
   * running after an `at-once` answer see their wake's signal abort and give the wake back.
   * Resolves when they have settled.
   */
  async close(): Promise<void> {
    this.#closing.abort(new StreamError("ABORTED", "The webhook receiver is closing", { url: this.#client.jwksUrl }));
    await Promise.allSettled([...this.#background]);
  }

  [asyncDispose](): Promise<void> {
    return this.close();
  }

  async #runLater(wake: WakeSession, arrived: number): Promise<void> {
    const report = (error?: unknown) => {
      if (error) this.#report(error, "heartbeat", wake);
    };
    const stopBeating = wake.keepAlive(this.#settings.leaseTtlMs / 3, report, arrived);
    try {
      await this.#handler(wake);
    } catch (error) {
      await stopBeating();
      this.#report(error, "handler", wake);
      // Closing: give the wake back so it is delivered again soon, not after its lease.
      if (this.#closing.signal.aborted && !losesWake(wake.signal.reason)) await wake.release().catch(() => {});
      return;
    }
    await stopBeating();
    if (losesWake(wake.signal.reason)) return;
    try {
      await wake.complete();
    } catch (error) {
      this.#report(error, "ack", wake);
    }
  }

  #track(work: Promise<void>): Promise<void> {
    this.#background.add(work);
    void work.finally(() => this.#background.delete(work));
    return work;
  }

  #checkTime(signedAt: number, reject: Reject): void {
    const { replayWindowMs, clockSkewMs } = this.#settings;
    const now = Date.now();
    // Seconds in the header: a signature made within the last second reads up to 999 ms early.
    if (signedAt > now + clockSkewMs) {
      throw reject("TIMESTAMP_OUT_OF_WINDOW", `Signed ${Math.round((signedAt - now) / 1000)} s in the future`);
    }
    if (signedAt < now - replayWindowMs - clockSkewMs - 1000) {
      throw reject(
        "TIMESTAMP_OUT_OF_WINDOW",
        `Signed ${Math.round((now - signedAt) / 1000)} s ago, past the replay window`,
      );
    }
  }

  #report(error: unknown, phase: ReceiverErrorPhase, wake: Wake | undefined): void {
    const onError = this.#settings.onError;
    if (onError) {
      try {
        onError(error, { phase, wake });
      } catch {
        // A failing error hook must not change the answer.
      }
      return;
    }
    globalThis.console?.error(`webhook receiver: ${phase} failed: ${messageOf(error)}`);
  }
}

/** `new WebhookReceiver(client, handler, options)`. */
export function webhookReceiver(
  client: SubscriptionsClient,
  handler: WakeHandler,
  options?: WebhookReceiverOptions,
): WebhookReceiver {
  return new WebhookReceiver(client, handler, options);
}

function refusal(error: unknown): WebhookAnswer {
  if (error instanceof WebhookRejectedError) {
    return jsonAnswer(error.responseStatus, {
      error: { code: error.code, reason: error.reason, message: error.message },
    });
  }
  // The keys could not be fetched: the server retries later.
  if (error instanceof StreamError && error.isRetryable) {
    return jsonAnswer(503, { error: { code: error.code, message: error.message } });
  }
  return jsonAnswer(500, { error: { code: "INTERNAL", message: messageOf(error) } });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkReceiverOptions(where: string, options: WebhookReceiverOptions): void {
  for (const name of ["replayWindowMs", "keyCacheMs", "leaseTtlMs"] as const) {
    checkNumber(where, name, options[name], Rule.delayMs);
  }
  checkNumber(where, "clockSkewMs", options.clockSkewMs, Rule.waitMs);
  checkNumber(where, "keyCooldownMs", options.keyCooldownMs, Rule.waitMs);
  checkNumber(where, "maxBodyBytes", options.maxBodyBytes, Rule.positiveInteger);
  checkOneOf(where, "respond", options.respond, ["after-handler", "at-once"]);
  checkFunction(where, "onError", options.onError);
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
