/**
 * The subscription state machine's decisions (PROTOCOL §7): given the state, a request and the
 * time, which record to write — or which error to answer. Pure: no clock, no randomness, no
 * I/O of their own; the caller applies the record (reducer.ts) and makes it durable.
 */
import { ProtocolError } from "@rivulet/protocol";
import type { WakeClaims } from "../tokens.js";
import type { Subscription, Wake } from "./model.js";
import type { AckEntry, SubscriptionRecord } from "./records.js";

/** What the runtime knows of a linked stream now: which one it is and its durable extent. */
export interface StreamExtent {
  /** Creation time: the stream's identity. */
  readonly stream: number;
  /** First position of its own (a fork's divergence point, else 0). */
  readonly start: number;
  /** Durable tail. */
  readonly tail: number;
}

export interface WakeRequest {
  readonly wakeId: string;
  readonly generation: number;
}

export interface AckRequest extends WakeRequest {
  readonly acks: ReadonlyArray<{ readonly path: string; readonly position: number }>;
  readonly done: boolean;
}

/** §7: a new wake takes the next generation; a webhook's lease starts now (§7.3), a pull-wake's at its claim. */
export function decideWake(sub: Subscription, now: number, wakeId: string): SubscriptionRecord {
  const lease = sub.config.type === "webhook" ? now + sub.config.lease_ttl_ms : null;
  return { t: "wake", id: sub.id, gen: sub.generation + 1, wake: wakeId, at: now, lease };
}

/**
 * §7.3: a callback, ack or release is honoured only for the current wake, named by a token of
 * this subscription's incarnation and generation, while its lease holds. `leaseHeld` is the
 * caller's view of the last condition (a webhook delivery still in flight holds it too).
 */
export function currentWake(sub: Subscription, claims: WakeClaims, request: WakeRequest, leaseHeld: boolean): Wake {
  const wake = sub.wake;
  if (
    !wake ||
    claims.inc !== sub.incarnation ||
    claims.gen !== wake.generation ||
    claims.wid !== wake.id ||
    request.generation !== wake.generation ||
    request.wakeId !== wake.id ||
    !leaseHeld
  ) {
    throw new ProtocolError("FENCED", "This wake is no longer current: its generation was fenced");
  }
  return wake;
}

/** Whether the wake's lease has run out at `now`. */
export function leaseExpired(wake: Wake, now: number): boolean {
  return wake.leaseUntil !== null && wake.leaseUntil <= now;
}

/**
 * §7.1, §7.2: acks move cursors forward (never back: an older ack is ignored); without
 * `done` they extend the lease (the heartbeat), with it they end the wake. An ack must name a
 * linked stream and a position within what it holds.
 */
export function decideAck(
  sub: Subscription,
  wake: Wake,
  request: AckRequest,
  now: number,
  extentOf: (path: string) => StreamExtent | undefined,
): SubscriptionRecord {
  const acks: AckEntry[] = [];
  for (const { path, position } of request.acks) {
    const link = sub.links.get(path);
    if (!link) throw new ProtocolError("INVALID_ACK", `${path} is not linked to subscription ${sub.id}`);
    const extent = extentOf(path);
    // Deleted since the wake: nothing left to ack.
    if (!extent) continue;
    if (position > extent.tail) {
      throw new ProtocolError("INVALID_ACK", `The ack for ${path} is past its tail`);
    }
    if (position < extent.start) {
      throw new ProtocolError("INVALID_ACK", `The ack for ${path} is before the stream's first position`);
    }
    if (link.stream === extent.stream && position <= link.acked) continue;
    acks.push([path, extent.stream, position]);
  }
  const lease = request.done ? null : now + sub.config.lease_ttl_ms;
  return { t: "ack", id: sub.id, gen: wake.generation, acks, lease, done: request.done };
}

/** A webhook answered `{"done": true}`: §7.1 acks the wake's snapshot and releases the lease. */
export function decideSnapshotAck(
  sub: Subscription,
  wake: Wake,
  snapshot: ReadonlyArray<{ readonly path: string; readonly stream: number; readonly tail: number }>,
): SubscriptionRecord {
  const acks: AckEntry[] = [];
  for (const { path, stream, tail } of snapshot) {
    const link = sub.links.get(path);
    // A stream deleted or replaced since the snapshot: its cursor is not this one's to move.
    if (!link || link.stream !== stream || tail <= link.acked) continue;
    acks.push([path, stream, tail]);
  }
  return { t: "ack", id: sub.id, gen: wake.generation, acks, lease: null, done: true };
}

/**
 * §7.2: a worker claims the wake in flight, or — with pending work and none in flight — a new
 * one. Another holder with a live lease is ALREADY_CLAIMED; nothing pending is no records.
 */
export function decideClaim(
  sub: Subscription,
  worker: string,
  now: number,
  pending: boolean,
  newWakeId: string,
): SubscriptionRecord[] {
  const wake = sub.wake;
  const lease = now + sub.config.lease_ttl_ms;
  if (wake?.holder != null && !leaseExpired(wake, now)) {
    throw new ProtocolError(
      "ALREADY_CLAIMED",
      `Worker ${wake.holder} holds this subscription's lease`,
      {},
      { details: { current_holder: wake.holder, generation: wake.generation } },
    );
  }
  if (wake && wake.holder === null) return [{ t: "claim", id: sub.id, gen: wake.generation, worker, lease }];
  const records: SubscriptionRecord[] = [];
  // §7.3: an expired lease clears the holder; pending work takes a new wake.
  if (wake) records.push({ t: "end", id: sub.id, gen: wake.generation });
  if (!pending) return records;
  const next = sub.generation + 1;
  records.push({ t: "wake", id: sub.id, gen: next, wake: newWakeId, at: now, lease: null });
  records.push({ t: "claim", id: sub.id, gen: next, worker, lease });
  return records;
}

/** §7.1: a failed delivery ends the wake and schedules the next attempt after `delayMs`. */
export function decideFailure(sub: Subscription, generation: number, now: number, delayMs: number): SubscriptionRecord {
  return { t: "retry", id: sub.id, gen: generation, attempt: (sub.retry?.attempt ?? 0) + 1, next: now + delayMs };
}
