/**
 * Wakes (PROTOCOL §7): issues a wake when a subscription is idle with pending work, delivers it
 * — a signed webhook, or wake events on the wake stream — once its record is durable, turns
 * the outcome into records (auto-ack on `done`, retry with backoff on failure), and runs each
 * subscription's one timer: lease expiry (§7.3) or the next retry (§7.1).
 */
import { type Span, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { isJsonContentType } from "@rivulet/protocol";
import { endFeatureSpan, startFeatureSpan } from "../../../ops/feature-spans.js";
import type { FeatureTracing } from "../../../ops/tracing.js";
import { retryDelayMs } from "../backoff.js";
import type { Dispatcher } from "../delivery/dispatcher.js";
import type { DeliveryResult, WebhookClient } from "../delivery/webhook-client.js";
import { newWakeId } from "../ids.js";
import type { KeyRing } from "../signing/key-ring.js";
import { SIGNATURE_HEADER, signatureHeader } from "../signing/signature.js";
import { decideFailure, decideSnapshotAck, decideWake, leaseExpired } from "../state/decide.js";
import type { Subscription, Wake } from "../state/model.js";
import type { SubscriptionRecord } from "../state/records.js";
import type { WakeTokens } from "../tokens.js";
import { wakeStreams } from "../views.js";
import { type Core, fullPath } from "./core.js";
import type { DeliveryLog } from "./delivery-log.js";

export type DeliveryOutcome = "done" | "accepted" | "status" | "timeout" | "network" | "refused";

/** Where deliveries are counted (metrics). */
export interface DeliveryObserver {
  webhook(outcome: DeliveryOutcome, seconds: number): void;
  retryScheduled(): void;
  wakeEvents(ok: boolean): void;
}

export interface WakerParts {
  readonly keys: KeyRing;
  readonly tokens: () => WakeTokens;
  readonly client: WebhookClient;
  readonly dispatcher: Dispatcher;
  readonly observer: DeliveryObserver;
  /** Recent attempts per subscription, for operators. */
  readonly history: DeliveryLog;
  /** The server's tracer, when it traces: a span per delivery, parent of the receiver's work. */
  readonly tracing?: FeatureTracing | undefined;
}

interface InFlight {
  readonly wakeId: string;
  readonly abort: AbortController;
}

const encoder = new TextEncoder();

export class Waker {
  private readonly timers = new Map<string, { readonly due: number; readonly timer: NodeJS.Timeout }>();
  private readonly inFlight = new Map<string, InFlight>();
  private running = false;

  constructor(
    private readonly core: Core,
    private readonly parts: WakerParts,
  ) {}

  /** Starts waking: every subscription is looked at once (pending work found at open, due retries, leases). */
  start(): void {
    this.running = true;
    for (const sub of this.core.set.subscriptions.values()) this.poke(sub);
  }

  /** Stops: no new wakes, timers cleared, deliveries in flight cancelled (their wakes' leases run out). */
  stop(): void {
    this.running = false;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const delivery of this.inFlight.values()) delivery.abort.abort();
    this.inFlight.clear();
  }

  /** Whether a webhook delivery of this wake is in flight (its lease holds until the answer). */
  delivering(id: string, wakeId: string): boolean {
    return this.inFlight.get(id)?.wakeId === wakeId;
  }

  /** The subscription is gone: its timer and any delivery stop. */
  forget(id: string): void {
    this.parts.history.forget(id);
    clearTimeout(this.timers.get(id)?.timer);
    this.timers.delete(id);
    this.inFlight.get(id)?.abort.abort();
    this.inFlight.delete(id);
  }

  /**
   * §7: pending work creates a new wake unless one is in flight or a retry is not yet due;
   * an expired lease ends its wake first (§7.3). Then the timer is set for what comes next.
   */
  poke(sub: Subscription): void {
    if (!this.running) return;
    const now = this.core.now();
    const wake = sub.wake;
    if (wake && leaseExpired(wake, now) && !this.delivering(sub.id, wake.id)) {
      this.commitThen(sub, [{ t: "end", id: sub.id, gen: wake.generation }], () => {});
    }
    if (!sub.wake && (!sub.retry || sub.retry.nextAt <= now) && this.core.set.hasPending(sub)) {
      const record = decideWake(sub, now, newWakeId());
      if (record.t === "wake") {
        // A webhook's token names the wake, not its durability: it is made while the record is written.
        const token = sub.config.type === "webhook" ? this.mint(sub, record.gen, record.wake) : undefined;
        this.commitThen(sub, [record], () => this.deliver(sub.id, record.wake, token));
      }
    }
    this.schedule(sub);
  }

  /** Commits records, then runs `next` once they are durable (if the service is still running). */
  private commitThen(sub: Subscription, records: SubscriptionRecord[], next: () => void): void {
    this.core.commit(records).then(
      () => {
        if (this.running) next();
      },
      (error: unknown) =>
        this.core.logger.error({ subscription: sub.id, err: String(error) }, "subscription state not saved"),
    );
  }

  /** The callback token of a webhook's wake (§7.1), made once the wake is decided; never rejects unobserved. */
  private mint(sub: Subscription, generation: number, wakeId: string): Promise<string> {
    const claims = { sub: sub.id, inc: sub.incarnation, gen: generation, wid: wakeId };
    const token = Promise.resolve().then(() => this.parts.tokens().mint(claims));
    // Awaited by the delivery; a wake whose record never became durable is never delivered.
    token.catch(() => {});
    return token;
  }

  /** The wake's record is durable: deliver it, unless it was superseded meanwhile. */
  private deliver(id: string, wakeId: string, token: Promise<string> | undefined): void {
    const sub = this.core.set.get(id);
    const wake = sub?.wake;
    if (!sub || !wake || wake.id !== wakeId) return;
    if (sub.config.type !== "webhook") void this.writeWakeEvents(sub, wake);
    else void this.deliverWebhook(sub, wake, token ?? this.mint(sub, wake.generation, wake.id));
  }

  private async deliverWebhook(sub: Subscription, wake: Wake, minted: Promise<string>): Promise<void> {
    const pending = this.core.set.pendingOf(sub, this.core.settings.maxStreamsPerWake);
    const snapshot = pending.map(({ path, extent }) => ({ path, stream: extent.stream, tail: extent.tail }));
    const abort = new AbortController();
    this.inFlight.set(sub.id, { wakeId: wake.id, abort });
    const token = await minted;
    const body = encoder.encode(
      JSON.stringify({
        subscription_id: sub.id,
        wake_id: wake.id,
        generation: wake.generation,
        streams: wakeStreams(pending),
        callback_url: `${sub.publicBase}${this.core.basePath}/__ds/subscriptions/${sub.id}/callback`,
        callback_token: token,
      }),
    );
    const url = new URL(sub.config.webhook!.url);
    // A wake is the server's own work (the pending data of many appends), so its span is a root.
    const span = this.deliverySpan(sub, wake, "subscription.deliver", SpanKind.CLIENT, {
      "server.address": url.origin,
    });
    const started = performance.now();
    const result = await this.parts.dispatcher.run(url.origin, () =>
      abort.signal.aborted
        ? Promise.resolve<DeliveryResult>({ kind: "failed", reason: "network", detail: "delivery cancelled" })
        : this.parts.client.post(url, body, () => this.headers(body, span), abort.signal),
    );
    if (this.inFlight.get(sub.id)?.wakeId === wake.id) this.inFlight.delete(sub.id);
    const outcome = result.kind === "failed" ? result.reason : result.kind;
    endDeliverySpan(span, abort.signal.aborted ? "cancelled" : outcome, result.status, result.kind === "failed");
    if (abort.signal.aborted) return;
    const seconds = (performance.now() - started) / 1000;
    this.parts.observer.webhook(outcome, seconds);
    this.onResult(sub.id, wake.id, result, snapshot, { target: url.origin, ms: Math.round(seconds * 1000) });
  }

  private headers(body: Uint8Array, span: Span | undefined): Record<string, string> {
    const { kid, key } = this.parts.keys.signingKey;
    return {
      ...(span && this.parts.tracing ? this.parts.tracing.headersFor(span) : {}),
      "content-type": "application/json",
      "user-agent": "rivulet-webhook",
      [SIGNATURE_HEADER]: signatureHeader(body, kid, key, this.core.now()),
    };
  }

  private onResult(
    id: string,
    wakeId: string,
    result: DeliveryResult,
    snapshot: ReadonlyArray<{ path: string; stream: number; tail: number }>,
    fields: { target: string; ms: number },
  ): void {
    const sub = this.core.set.get(id);
    const wake = sub?.wake;
    const log = { subscription: id, generation: wake?.generation, wake: wakeId, ...fields };
    // Fenced while it was in flight (deleted, released, or its lease ended): the answer changes nothing.
    if (!sub || !wake || wake.id !== wakeId) {
      this.core.logger.info({ ...log, outcome: "superseded" }, "webhook delivery");
      return;
    }
    if (result.kind === "failed") {
      this.fail(sub, wake, log, result, { kind: "webhook", ms: fields.ms });
      return;
    }
    this.core.logger.info({ ...log, outcome: result.kind, status: result.status }, "webhook delivery");
    this.parts.history.add(id, {
      at: this.core.now(),
      wakeId,
      generation: wake.generation,
      kind: "webhook",
      outcome: result.kind,
      status: result.status,
      ms: fields.ms,
    });
    const records: SubscriptionRecord[] = sub.retry ? [{ t: "delivered", id, gen: wake.generation }] : [];
    // §7.1: `done` acks the tails the wake named and releases the lease; newer data wakes again.
    if (result.kind === "done") records.push(decideSnapshotAck(sub, wake, snapshot));
    if (records.length > 0) this.commitThen(sub, records, () => this.poke(sub));
    else this.poke(sub);
  }

  private fail(
    sub: Subscription,
    wake: Wake,
    log: object,
    result: Extract<DeliveryResult, { kind: "failed" }>,
    how: { kind: "webhook"; ms: number } | { kind: "wake-events" },
  ): void {
    const attempt = (sub.retry?.attempt ?? 0) + 1;
    const { retryBaseMs, retryMaxMs } = this.core.settings;
    const delay = retryDelayMs(attempt, retryBaseMs, retryMaxMs, this.core.random());
    const record = decideFailure(sub, wake.generation, this.core.now(), delay);
    this.parts.observer.retryScheduled();
    this.parts.history.add(sub.id, {
      at: this.core.now(),
      wakeId: wake.id,
      generation: wake.generation,
      kind: how.kind,
      outcome: how.kind === "webhook" ? result.reason : "failed",
      ...(result.status === undefined ? {} : { status: result.status }),
      detail: result.detail,
      ...(how.kind === "webhook" ? { ms: how.ms } : {}),
      retry: { attempt, nextAt: this.core.now() + delay },
    });
    this.core.logger.warn(
      {
        ...log,
        outcome: result.reason,
        ...(result.status === undefined ? {} : { status: result.status }),
        detail: result.detail,
        attempt,
        next_attempt_at: new Date(this.core.now() + delay).toISOString(),
      },
      "webhook delivery failed",
    );
    // §7.1: the retry schedule is durable before it is honoured.
    this.commitThen(sub, [record], () => this.poke(sub));
  }

  /** §7.2: wake events on the app's wake stream, one per stream with pending work. */
  private async writeWakeEvents(sub: Subscription, wake: Wake): Promise<void> {
    const path = fullPath(this.core, sub.config.wake_stream!);
    const span = this.deliverySpan(sub, wake, "subscription.wake-events", SpanKind.INTERNAL, {
      "rivulet.stream": path,
    });
    const ts = this.core.now();
    const events = this.core.set
      .pendingOf(sub, this.core.settings.maxStreamsPerWake)
      .map(({ path: stream }) => ({ type: "wake", subscription_id: sub.id, stream, generation: wake.generation, ts }));
    try {
      const target = await this.core.engine.get(path, false);
      const json = isJsonContentType(target.contentType);
      const body = json ? JSON.stringify(events) : events.map((event) => `${JSON.stringify(event)}\n`).join("");
      await this.core.engine.append(path, {
        body: encoder.encode(body),
        hasBody: true,
        contentType: undefined,
        close: false,
        streamSeq: undefined,
        producer: undefined,
      });
      this.parts.observer.wakeEvents(true);
      endDeliverySpan(span, "written", undefined, false);
      this.parts.history.add(sub.id, {
        at: this.core.now(),
        wakeId: wake.id,
        generation: wake.generation,
        kind: "wake-events",
        outcome: "written",
      });
      if (sub.retry && this.core.set.get(sub.id) === sub) {
        this.commitThen(sub, [{ t: "delivered", id: sub.id, gen: wake.generation }], () => {});
      }
    } catch (error) {
      this.parts.observer.wakeEvents(false);
      endDeliverySpan(span, "failed", undefined, true);
      const current = this.core.set.get(sub.id);
      // Claimed meanwhile: the worker has the wake, whatever happened to its announcement.
      if (current !== sub || sub.wake?.id !== wake.id || sub.wake.holder !== null) return;
      this.fail(
        sub,
        wake,
        { subscription: sub.id, generation: wake.generation, wake: wake.id, target: path },
        {
          kind: "failed",
          reason: "network",
          detail: (error as { code?: string }).code ?? String(error),
        },
        { kind: "wake-events" },
      );
    }
  }

  private deliverySpan(
    sub: Subscription,
    wake: Wake,
    name: string,
    kind: SpanKind,
    attributes: Record<string, string>,
  ): Span | undefined {
    return startFeatureSpan(this.parts.tracing, {
      name,
      kind,
      attributes: {
        "rivulet.subscription": sub.id,
        "rivulet.subscription.type": sub.config.type,
        "rivulet.wake.id": wake.id,
        "rivulet.wake.generation": wake.generation,
        "rivulet.delivery.attempt": (sub.retry?.attempt ?? 0) + 1,
        ...attributes,
      },
    });
  }

  /**
   * One timer per subscription, for the earlier of its lease end and its next retry. Every
   * append pokes its subscriptions, so a timer already set for the same moment is kept.
   */
  private schedule(sub: Subscription): void {
    const wake = sub.wake;
    let due: number | undefined;
    if (wake?.leaseUntil != null && !this.delivering(sub.id, wake.id)) due = wake.leaseUntil;
    else if (!wake && sub.retry && this.core.set.hasPending(sub)) due = sub.retry.nextAt;
    const current = this.timers.get(sub.id);
    if (current?.due === due && due !== undefined) return;
    clearTimeout(current?.timer);
    this.timers.delete(sub.id);
    if (due === undefined || !this.running) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(sub.id);
        const now = this.core.set.get(sub.id);
        if (now) this.poke(now);
      },
      Math.max(0, due - this.core.now()) + 1,
    );
    timer.unref();
    this.timers.set(sub.id, { due, timer });
  }
}

/** Ends a delivery's span with its outcome; a failed delivery (it will be retried) is an error. */
function endDeliverySpan(span: Span | undefined, outcome: string, status: number | undefined, failed: boolean): void {
  if (!span) return;
  span.setAttribute("rivulet.delivery.outcome", outcome);
  if (status !== undefined) span.setAttribute("http.response.status_code", status);
  if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
  endFeatureSpan(span);
}
