/**
 * The JSON shapes subscriptions are shown in (PROTOCOL §6.3, §7.1, §7.2): the subscription
 * itself, a listing summary, the stream entries of wakes and claims, and the operators' view
 * of its deliveries.
 */
import { formatOffset } from "@rivulet/protocol";
import type { DeliveryAttempt } from "./runtime/delivery-log.js";
import type { PendingStream } from "./runtime/subscription-set.js";
import { type Link, linkType, type Subscription } from "./state/model.js";

export interface WakeStreamEntry {
  readonly path: string;
  readonly link_type: "explicit" | "glob";
  readonly acked_offset: string;
  readonly tail_offset: string;
  readonly has_pending: boolean;
}

export interface Signing {
  readonly kid: string;
  readonly jwksUrl: string;
}

export function wakeStreams(pending: readonly PendingStream[]): WakeStreamEntry[] {
  return pending.map(({ path, link, extent }) => ({
    path,
    link_type: linkType(link),
    acked_offset: formatOffset(link.acked),
    tail_offset: formatOffset(extent.tail),
    has_pending: extent.tail > link.acked,
  }));
}

/** §6.3: status is `failed` while a retry is scheduled after a failed delivery attempt. */
export function status(sub: Subscription): "active" | "failed" {
  return sub.retry ? "failed" : "active";
}

export function subscriptionView(sub: Subscription, signing: Signing | undefined) {
  return {
    id: sub.id,
    subscription_id: sub.id,
    type: sub.config.type,
    pattern: sub.config.pattern,
    streams: [...sub.links]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([path, link]) => linkView(path, link)),
    // §6.2: never a signing secret, only where to find the public keys.
    webhook: sub.config.webhook && {
      url: sub.config.webhook.url,
      ...(signing && { signing: { alg: "ed25519", kid: signing.kid, jwks_url: signing.jwksUrl } }),
    },
    wake_stream: sub.config.wake_stream,
    lease_ttl_ms: sub.config.lease_ttl_ms,
    created_at: new Date(sub.createdAt).toISOString(),
    status: status(sub),
    description: sub.config.description,
    generation: sub.generation,
    next_attempt_at: sub.retry ? new Date(sub.retry.nextAt).toISOString() : null,
  };
}

/** A listing entry: the subscription without its (possibly many) stream cursors. */
export function summaryView(sub: Subscription, pendingStreams: number) {
  return {
    id: sub.id,
    type: sub.config.type,
    pattern: sub.config.pattern,
    webhook: sub.config.webhook && { url: sub.config.webhook.url },
    wake_stream: sub.config.wake_stream,
    lease_ttl_ms: sub.config.lease_ttl_ms,
    description: sub.config.description,
    created_at: new Date(sub.createdAt).toISOString(),
    status: status(sub),
    generation: sub.generation,
    next_attempt_at: sub.retry ? new Date(sub.retry.nextAt).toISOString() : null,
    stream_count: sub.links.size,
    pending_streams: pendingStreams,
  };
}

function linkView(path: string, link: Link) {
  return { path, link_type: linkType(link), acked_offset: formatOffset(link.acked) };
}

/**
 * What an operator asks of a subscription's deliveries: the wake in flight, the retry
 * schedule, how many streams have pending work, and the recent attempts (newest first).
 */
export function deliveriesView(sub: Subscription, pendingStreams: number, attempts: readonly DeliveryAttempt[]) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    subscription_id: sub.id,
    type: sub.config.type,
    status: status(sub),
    generation: sub.generation,
    pending_streams: pendingStreams,
    wake: sub.wake && {
      wake_id: sub.wake.id,
      generation: sub.wake.generation,
      issued_at: iso(sub.wake.issuedAt),
      lease_until: sub.wake.leaseUntil === null ? null : iso(sub.wake.leaseUntil),
      holder: sub.wake.holder,
    },
    retry: sub.retry && { attempt: sub.retry.attempt, next_attempt_at: iso(sub.retry.nextAt) },
    deliveries: attempts.map((attempt) => ({
      at: iso(attempt.at),
      wake_id: attempt.wakeId,
      generation: attempt.generation,
      kind: attempt.kind,
      outcome: attempt.outcome,
      status: attempt.status ?? null,
      detail: attempt.detail ?? null,
      ms: attempt.ms ?? null,
      retry: attempt.retry ? { attempt: attempt.retry.attempt, next_attempt_at: iso(attempt.retry.nextAt) } : null,
    })),
  };
}
