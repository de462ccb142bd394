/** Subscriptions through the public API (docs/subscriptions.md): the listing, one subscription, its deliveries. */
import { getJson } from "./http.js";

export interface SubscriptionSummary {
  readonly id: string;
  readonly type: "webhook" | "pull-wake";
  readonly pattern: string | null;
  readonly webhook: { readonly url: string } | null;
  readonly wake_stream: string | null;
  readonly description: string | null;
  readonly created_at: string;
  readonly status: "active" | "failed";
  readonly generation: number;
  readonly next_attempt_at: string | null;
  readonly stream_count: number;
  readonly pending_streams: number;
}

export interface SubscriptionView extends Omit<SubscriptionSummary, "stream_count" | "pending_streams"> {
  readonly streams: ReadonlyArray<{ readonly path: string; readonly link_type: string; readonly acked_offset: string }>;
  readonly lease_ttl_ms: number;
}

export interface Attempt {
  readonly at: string;
  readonly wake_id: string;
  readonly generation: number;
  readonly kind: "webhook" | "wake-events";
  readonly outcome: string;
  readonly status: number | null;
  readonly detail: string | null;
  readonly ms: number | null;
  readonly retry: { readonly attempt: number; readonly next_attempt_at: string } | null;
}

export interface Deliveries {
  readonly status: "active" | "failed";
  readonly generation: number;
  readonly pending_streams: number;
  readonly wake: {
    readonly wake_id: string;
    readonly generation: number;
    readonly issued_at: string;
    readonly lease_until: string | null;
    readonly holder: string | null;
  } | null;
  readonly retry: { readonly attempt: number; readonly next_attempt_at: string } | null;
  readonly deliveries: readonly Attempt[];
}

export interface SubscriptionPage {
  readonly subscriptions: readonly SubscriptionSummary[];
  readonly next: string | null;
}

const subPath = (basePath: string, id: string) => `${basePath}/__ds/subscriptions/${encodeURIComponent(id)}`;

export function listSubscriptions(basePath: string, after?: string): Promise<SubscriptionPage> {
  return getJson<SubscriptionPage>(`${basePath}/__ds/subscriptions`, { after, limit: 100 });
}

export function getSubscription(basePath: string, id: string): Promise<SubscriptionView> {
  return getJson<SubscriptionView>(subPath(basePath, id));
}

export function subscriptionDeliveries(basePath: string, id: string): Promise<Deliveries> {
  return getJson<Deliveries>(`${subPath(basePath, id)}/deliveries`);
}
