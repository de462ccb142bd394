/**
 * What each record does to the subscriptions: the one reducer, used when a change is decided
 * and when the state log is replayed, so the two can never disagree. Pure.
 */
import type { Link, Subscription } from "./model.js";
import type { LinkEntry, SubscriptionEntry, SubscriptionRecord } from "./records.js";

export type Subscriptions = Map<string, Subscription>;

export function applyRecord(subscriptions: Subscriptions, record: SubscriptionRecord): void {
  if (record.t === "sub") {
    subscriptions.set(record.id, fromEntry(record));
    return;
  }
  const sub = subscriptions.get(record.id);
  if (!sub) return;
  switch (record.t) {
    case "delete":
      subscriptions.delete(record.id);
      return;
    case "link": {
      const link = sub.links.get(record.path);
      if (link && link.stream === record.stream) link.explicit = true;
      else
        sub.links.set(record.path, {
          explicit: true,
          glob: link?.glob ?? false,
          stream: record.stream,
          acked: record.acked,
        });
      return;
    }
    case "unlink": {
      const link = sub.links.get(record.path);
      if (!link) return;
      link.explicit = false;
      if (!link.glob) sub.links.delete(record.path);
      return;
    }
    case "wake":
      sub.generation = Math.max(sub.generation, record.gen);
      sub.wake = {
        id: record.wake,
        generation: record.gen,
        issuedAt: record.at,
        leaseUntil: record.lease,
        holder: null,
      };
      return;
    case "claim":
      if (sub.wake?.generation !== record.gen) return;
      sub.wake.holder = record.worker;
      sub.wake.leaseUntil = record.lease;
      return;
    case "ack":
      for (const [path, stream, acked] of record.acks) applyAck(sub, path, stream, acked);
      if (sub.wake?.generation !== record.gen) return;
      if (record.done) sub.wake = null;
      else if (record.lease !== null) sub.wake.leaseUntil = record.lease;
      return;
    case "end":
      if (sub.wake?.generation === record.gen) sub.wake = null;
      return;
    case "retry":
      if (sub.wake?.generation === record.gen) sub.wake = null;
      sub.retry = { attempt: record.attempt, nextAt: record.next };
      return;
    case "delivered":
      sub.retry = null;
      return;
  }
}

/**
 * Acks never move a cursor back. A cursor of another stream incarnation is replaced. A path
 * without a link is a stream the pattern linked after the last snapshot (such links are not
 * logged until acked; the open reconciles them with the stream listing).
 */
function applyAck(sub: Subscription, path: string, stream: number | null, acked: number): void {
  const link = sub.links.get(path);
  if (!link) sub.links.set(path, { explicit: false, glob: true, stream, acked });
  else if (link.stream !== stream) {
    link.stream = stream;
    link.acked = acked;
  } else if (acked > link.acked) link.acked = acked;
}

export function fromEntry(entry: SubscriptionEntry): Subscription {
  const links = new Map<string, Link>();
  for (const [path, stream, acked, explicit, glob] of entry.links) links.set(path, { explicit, glob, stream, acked });
  return {
    id: entry.id,
    incarnation: entry.inc,
    config: entry.config,
    hash: entry.hash,
    createdAt: entry.at,
    publicBase: entry.base,
    links,
    generation: entry.gen,
    wake: entry.wake && {
      id: entry.wake.id,
      generation: entry.wake.gen,
      issuedAt: entry.wake.at,
      leaseUntil: entry.wake.lease,
      holder: entry.wake.holder,
    },
    retry: entry.retry && { attempt: entry.retry.attempt, nextAt: entry.retry.next },
  };
}

/** The snapshot entry that rebuilds `sub` (state log compaction). */
export function toEntry(sub: Subscription): SubscriptionRecord {
  const links: LinkEntry[] = [];
  for (const [path, link] of sub.links) links.push([path, link.stream, link.acked, link.explicit, link.glob]);
  const wake = sub.wake;
  return {
    t: "sub",
    id: sub.id,
    inc: sub.incarnation,
    config: sub.config,
    hash: sub.hash,
    at: sub.createdAt,
    base: sub.publicBase,
    gen: sub.generation,
    links,
    wake: wake && { id: wake.id, gen: wake.generation, at: wake.issuedAt, lease: wake.leaseUntil, holder: wake.holder },
    retry: sub.retry && { attempt: sub.retry.attempt, next: sub.retry.nextAt },
  };
}
