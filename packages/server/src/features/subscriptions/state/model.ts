/**
 * A subscription's durable state (PROTOCOL §6.1, §7): its configuration, one cursor per linked
 * stream, the generation counter, the wake in flight with its lease, and the retry schedule.
 * Everything here is rebuilt from the state log (records.ts, reducer.ts); stream tails and
 * deliveries in flight are runtime state and live elsewhere.
 */
import type { SubscriptionConfig } from "../config.js";

export interface Link {
  /** Added by `streams[]` or POST …/streams (§6.4). */
  explicit: boolean;
  /** Matched by the pattern. */
  glob: boolean;
  /**
   * Creation time of the stream the cursor belongs to, or null when no stream exists at the
   * path. A stream deleted and created again is a new stream: its cursor starts over.
   */
  stream: number | null;
  /** Position up to which the stream is processed: the next read starts here (§7: acks are inclusive). */
  acked: number;
}

export interface Wake {
  readonly id: string;
  readonly generation: number;
  readonly issuedAt: number;
  /** When the lease ends (§7.3): webhooks from issuance, pull-wake from the claim; null while unclaimed. */
  leaseUntil: number | null;
  /** The pull-wake worker holding the lease. */
  holder: string | null;
}

/** §7.1: a failed delivery is retried later; persisted so a restart honours the schedule. */
export interface Retry {
  /** Consecutive failed attempts. */
  readonly attempt: number;
  readonly nextAt: number;
}

export interface Subscription {
  readonly id: string;
  /** Random per creation: a deleted and re-created subscription never honours the old one's tokens. */
  readonly incarnation: string;
  readonly config: SubscriptionConfig;
  readonly hash: string;
  readonly createdAt: number;
  /** Scheme and host webhook callback URLs start with (ServerOptions.publicUrl or the creating request's). */
  readonly publicBase: string;
  readonly links: Map<string, Link>;
  /** The last generation issued; every wake takes the next one (§7.3), so none is ever reused. */
  generation: number;
  wake: Wake | null;
  retry: Retry | null;
}

export type LinkType = "explicit" | "glob";

/** §6.1: explicit takes precedence in serialized responses. */
export function linkType(link: Link): LinkType {
  return link.explicit ? "explicit" : "glob";
}
