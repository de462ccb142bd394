/**
 * The wake protocol's requests (PROTOCOL §7.1–7.3): callback and ack (the same operation: acks,
 * heartbeat, `done`), release, and claim. Callback, ack and release authenticate with the
 * wake's token and are fenced by generation and wake id; every change is durable before it is
 * answered.
 */
import { ProtocolError } from "@rivulet/protocol";
import { newWakeId } from "../ids.js";
import {
  type AckRequest,
  currentWake,
  decideAck,
  decideClaim,
  leaseExpired,
  type WakeRequest,
} from "../state/decide.js";
import type { Subscription } from "../state/model.js";
import { invalidToken, type WakeClaims } from "../tokens.js";
import { type WakeStreamEntry, wakeStreams } from "../views.js";
import { currentExtent } from "./core.js";
import { notFound } from "./management.js";
import type { SubscriptionService } from "./service.js";

export interface ClaimResult {
  readonly wake_id: string;
  readonly generation: number;
  readonly token: string;
  readonly streams: WakeStreamEntry[];
  readonly lease_ttl_ms: number;
}

/** §7.1, §7.2: acks (never regressing), the lease extended, or with `done` the wake ended. */
export async function acknowledge(
  service: SubscriptionService,
  id: string,
  token: string,
  request: AckRequest,
): Promise<{ ok: true; next_wake: boolean }> {
  const { sub, claims } = await authenticate(service, id, token);
  const wake = fenced(service, sub, claims, request);
  const record = decideAck(sub, wake, request, service.now(), (path) => service.set.extent(path));
  await service.commit([record]);
  if (!request.done) return { ok: true, next_wake: false };
  // §7.1: pending work after `done` takes a new wake (and generation).
  const current = service.set.get(id);
  if (current) service.waker.poke(current);
  return { ok: true, next_wake: !!current && service.set.hasPending(current) };
}

/** §7.2: the worker gives the wake back without acking; pending work is woken again. */
export async function release(
  service: SubscriptionService,
  id: string,
  token: string,
  request: WakeRequest,
): Promise<void> {
  const { sub, claims } = await authenticate(service, id, token);
  const wake = fenced(service, sub, claims, request);
  await service.commit([{ t: "end", id, gen: wake.generation }]);
  const current = service.set.get(id);
  if (current) service.waker.poke(current);
}

/**
 * §7.2: a worker claims the wake in flight (or a new one, when there is pending work and none
 * is). Undefined when there is nothing to claim.
 */
export async function claim(
  service: SubscriptionService,
  id: string,
  worker: string,
): Promise<ClaimResult | undefined> {
  service.ensureOpen();
  const sub = service.set.get(id);
  if (!sub) throw notFound(id);
  if (sub.config.type !== "pull-wake") {
    throw new ProtocolError(
      "BAD_REQUEST",
      `Subscription ${id} delivers by webhook; only pull-wake subscriptions are claimed`,
    );
  }
  if (!service.set.hasPending(sub) && service.engine.verifyReads) await catchUp(service, sub);
  const records = decideClaim(sub, worker, service.now(), service.set.hasPending(sub), newWakeId());
  if (records.length === 0) return undefined;
  await service.commit(records);
  const current = service.set.get(id);
  const wake = current?.wake;
  service.waker.poke(current ?? sub);
  if (!current || !wake || wake.holder !== worker) return undefined;
  const token = await service.tokens.mint({ sub: id, inc: current.incarnation, gen: wake.generation, wid: wake.id });
  return {
    wake_id: wake.id,
    generation: wake.generation,
    token,
    streams: wakeStreams(service.set.pendingOf(current, service.settings.maxStreamsPerWake)),
    lease_ttl_ms: current.config.lease_ttl_ms,
  };
}

/** §6.3: requests for a deleted subscription fail; §7.3: the token must be this subscription's. */
async function authenticate(
  service: SubscriptionService,
  id: string,
  token: string,
): Promise<{ sub: Subscription; claims: WakeClaims }> {
  service.ensureOpen();
  if (!service.set.get(id)) throw notFound(id);
  const claims = await service.tokens.verify(token, id);
  if (!claims) throw invalidToken();
  // Looked up again: it may have been deleted while the token was checked.
  const sub = service.set.get(id);
  if (!sub) throw notFound(id);
  return { sub, claims };
}

/** §7.3: the current wake, or FENCED; a lease found expired ends its wake (and wakes again if work is pending). */
function fenced(service: SubscriptionService, sub: Subscription, claims: WakeClaims, request: WakeRequest) {
  const wake = sub.wake;
  const held = !!wake && (!leaseExpired(wake, service.now()) || service.waker.delivering(sub.id, wake.id));
  try {
    return currentWake(sub, claims, request, held);
  } catch (error) {
    if (wake && !held) service.waker.poke(sub);
    throw error;
  }
}

/**
 * On a store other nodes write too, an append another node acknowledged reaches this one as a
 * notice a moment later: before answering "nothing pending" (204), take the linked streams'
 * tails from the store, so a claim never misses work whose append was already answered.
 */
async function catchUp(service: SubscriptionService, sub: Subscription): Promise<void> {
  for (const relative of sub.links.keys()) {
    const full = `${service.basePath}/${relative}`;
    await service.engine.refresh(full);
    const extent = await currentExtent(service.engine, full);
    if (extent) service.set.advance(relative, extent.tail);
  }
}
