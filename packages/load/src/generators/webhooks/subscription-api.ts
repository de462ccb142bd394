/**
 * Webhook subscriptions for a load run (PROTOCOL §6.2, §6.3): created with a PUT each, from a
 * closed loop of connections, and deleted afterwards.
 */
import { send } from "../../http-pool.js";
import { eachRequest, type LoopParams, type LoopResult } from "../request-loop.js";

export interface SubscriptionSpec {
  /** §6.1: 1-128 of `A-Z a-z 0-9 . _ ~ -`. */
  readonly id: string;
  /** A glob over stream-root-relative paths, e.g. `subs/7/*`. */
  readonly pattern: string;
}

export interface SubscriptionsParams extends LoopParams {
  /** The stream root's path, e.g. `/v1/stream`: subscriptions live under `<root>/__ds/subscriptions/`. */
  readonly root: string;
}

export function subscriptionPath(root: string, id: string): string {
  return `${root}/__ds/subscriptions/${encodeURIComponent(id)}`;
}

/** Each subscription delivering by webhook to `url`; 201 (created) and 200 (already there) both count. */
export function createSubscriptions(
  params: SubscriptionsParams & { readonly subscriptions: readonly SubscriptionSpec[]; readonly url: string },
): Promise<LoopResult> {
  const { subscriptions, root, url } = params;
  return eachRequest(params, {
    count: subscriptions.length,
    pathAt: (index) => subscriptionPath(root, subscriptions[index]!.id),
    method: "PUT",
    attempts: 1,
    send: (pool, path, index) =>
      send(
        pool,
        "PUT",
        path,
        { "content-type": "application/json" },
        JSON.stringify({ type: "webhook", pattern: subscriptions[index]!.pattern, webhook: { url } }),
      ),
  });
}

/** Deletes them (a 404 counts: it is gone either way). */
export function deleteSubscriptions(
  params: SubscriptionsParams & { readonly ids: readonly string[] },
): Promise<LoopResult> {
  return eachRequest(params, {
    count: params.ids.length,
    pathAt: (index) => subscriptionPath(params.root, params.ids[index]!),
    method: "DELETE",
    attempts: 1,
    send: async (pool, path) => {
      const answer = await send(pool, "DELETE", path);
      return answer.status === 404 ? { ...answer, status: 204 } : answer;
    },
  });
}
