/**
 * Subscription management (PROTOCOL §6.2–6.4) and the listing, under `{base}/__ds/`:
 * PUT/GET/DELETE `subscriptions/:id`, POST `subscriptions/:id/streams`, DELETE
 * `subscriptions/:id/streams/*path`, GET `subscriptions`, and GET `subscriptions/:id/deliveries`
 * (recent delivery attempts, for operators). All need the `admin` scope.
 */
import { ProtocolError } from "@rivulet/protocol";
import type { RouteSpec } from "../../../http/routing/route.js";
import { type ConfigRules, parseConfig } from "../config.js";
import { checkSubscriptionId } from "../ids.js";
import { addStreams, createSubscription, deleteSubscription, notFound, removeStream } from "../runtime/management.js";
import type { SubscriptionService } from "../runtime/service.js";
import { ipFamily } from "../ssrf/addresses.js";
import { allowedAddresses, TargetRefusedError } from "../ssrf/target.js";
import { rejected, type WebhookTarget } from "../ssrf/webhook-url.js";
import { deliveriesView, subscriptionView, summaryView } from "../views.js";
import { json, noContent, objectBody, publicOrigin, readJson } from "./http.js";

const MAX_PAGE = 1000;

export function manageRoutes(service: SubscriptionService, rules: ConfigRules): RouteSpec[] {
  const { settings } = service;
  const jwksUrl = (origin: string) => `${origin}${service.basePath}/__ds/jwks.json`;
  const view = (id: string, origin: string) => {
    const sub = service.set.get(id);
    if (!sub) throw notFound(id);
    const signing =
      sub.config.type === "webhook" ? { kid: service.keys.active.kid, jwksUrl: jwksUrl(origin) } : undefined;
    return subscriptionView(sub, signing);
  };
  return [
    {
      method: "PUT",
      path: "__ds/subscriptions/:id",
      operation: "subscription-put",
      access: "admin",
      async handle(request, context, params) {
        const id = params.id!;
        checkSubscriptionId(id);
        const parsed = parseConfig(await readJson(request, settings.maxBodyBytes, "INVALID_SUBSCRIPTION"), rules);
        if (parsed.target) await checkResolvedTarget(service, parsed.target);
        const origin = publicOrigin(request, context.options);
        const { created } = await createSubscription(service, id, parsed, origin);
        return json(created ? 201 : 200, view(id, origin));
      },
    },
    {
      method: "GET",
      path: "__ds/subscriptions/:id",
      operation: "subscription-get",
      access: "admin",
      async handle(request, context, params) {
        service.ensureOpen();
        return json(200, view(params.id!, publicOrigin(request, context.options)));
      },
    },
    {
      method: "GET",
      path: "__ds/subscriptions/:id/deliveries",
      operation: "subscription-deliveries",
      access: "admin",
      async handle(_request, _context, params) {
        service.ensureOpen();
        const sub = service.set.get(params.id!);
        if (!sub) throw notFound(params.id!);
        const pending = service.set.pendingOf(sub, Number.MAX_SAFE_INTEGER).length;
        return json(200, deliveriesView(sub, pending, service.history.of(sub.id)));
      },
    },
    {
      method: "DELETE",
      path: "__ds/subscriptions/:id",
      operation: "subscription-delete",
      access: "admin",
      async handle(_request, _context, params) {
        await deleteSubscription(service, params.id!);
        return noContent();
      },
    },
    {
      method: "POST",
      path: "__ds/subscriptions/:id/streams",
      operation: "subscription-add-streams",
      access: "admin",
      async handle(request, _context, params) {
        const body = objectBody(await readJson(request, settings.maxBodyBytes, "BAD_REQUEST"));
        await addStreams(service, params.id!, body.streams);
        return noContent();
      },
    },
    {
      method: "DELETE",
      path: "__ds/subscriptions/:id/streams/*path",
      operation: "subscription-remove-stream",
      access: "admin",
      async handle(_request, _context, params) {
        await removeStream(service, params.id!, params.path!);
        return noContent();
      },
    },
    {
      method: "GET",
      path: "__ds/subscriptions",
      operation: "subscription-list",
      access: "admin",
      async handle(request) {
        service.ensureOpen();
        const after = request.query.get("after") ?? "";
        const limitParam = request.query.get("limit");
        const limit = limitParam === null ? 100 : Number(limitParam);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
          throw new ProtocolError("BAD_REQUEST", `limit must be an integer from 1 to ${MAX_PAGE}`);
        }
        const ids = [...service.set.subscriptions.keys()].filter((id) => id > after).sort();
        const page = ids.slice(0, limit);
        return json(200, {
          subscriptions: page.map((id) => {
            const sub = service.set.get(id)!;
            return summaryView(sub, service.set.pendingOf(sub, Number.MAX_SAFE_INTEGER).length);
          }),
          next: ids.length > limit ? page[page.length - 1] : null,
        });
      },
    },
  ];
}

/**
 * §12.8 at creation: a host name that resolves only to addresses webhooks may not reach is
 * refused now (it is checked again at every delivery). A name that does not resolve yet is
 * accepted: DNS may catch up before the first wake.
 */
async function checkResolvedTarget(service: SubscriptionService, target: WebhookTarget): Promise<void> {
  if (target.allowedByName || ipFamily(target.host) !== 0) return;
  try {
    await allowedAddresses(service.options.policy, target.host);
  } catch (error) {
    if (error instanceof TargetRefusedError) throw rejected(`webhook.url: ${error.message}`);
  }
}
