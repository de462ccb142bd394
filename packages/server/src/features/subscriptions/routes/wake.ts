/**
 * The wake protocol's endpoints (PROTOCOL §7.1, §7.2) under `{base}/__ds/subscriptions/:id/`:
 * `callback` and `ack` (the same operation), `release` — authenticated by the wake's token in
 * the Authorization header, not by a service credential — and `claim`, which needs a service
 * credential with `write` on `{base}/__ds/subscriptions/:id` when access control is on.
 */
import { ProtocolError, parsePosition } from "@rivulet/protocol";
import type { RouteSpec } from "../../../http/routing/route.js";
import { acknowledge, claim, release } from "../runtime/leases.js";
import type { SubscriptionService } from "../runtime/service.js";
import type { AckRequest, WakeRequest } from "../state/decide.js";
import { bearerToken } from "../tokens.js";
import { json, noContent, objectBody, readJson } from "./http.js";

const MAX_WORKER_LENGTH = 256;

export function wakeRoutes(service: SubscriptionService): RouteSpec[] {
  const limit = service.settings.maxBodyBytes;
  const ack: RouteSpec["handle"] = async (request, _context, params) => {
    const token = bearerToken(request.header("authorization"));
    const body = parseAck(objectBody(await readJson(request, limit, "BAD_REQUEST")));
    return json(200, await acknowledge(service, params.id!, token, body));
  };
  return [
    {
      method: "POST",
      path: "__ds/subscriptions/:id/callback",
      operation: "subscription-callback",
      access: "open",
      handle: ack,
    },
    { method: "POST", path: "__ds/subscriptions/:id/ack", operation: "subscription-ack", access: "open", handle: ack },
    {
      method: "POST",
      path: "__ds/subscriptions/:id/release",
      operation: "subscription-release",
      access: "open",
      async handle(request, _context, params) {
        const token = bearerToken(request.header("authorization"));
        const body = parseWake(objectBody(await readJson(request, limit, "BAD_REQUEST")));
        await release(service, params.id!, token, body);
        return noContent();
      },
    },
    {
      method: "POST",
      path: "__ds/subscriptions/:id/claim",
      operation: "subscription-claim",
      // Claiming moves a subscription's cursors: a write on the subscription.
      access: (_request, params) => [{ scope: "write", path: `${service.basePath}/__ds/subscriptions/${params.id}` }],
      async handle(request, _context, params) {
        const body = objectBody(await readJson(request, limit, "BAD_REQUEST"));
        const worker = body.worker;
        if (typeof worker !== "string" || worker === "" || worker.length > MAX_WORKER_LENGTH) {
          throw new ProtocolError("BAD_REQUEST", `worker must be a name of 1-${MAX_WORKER_LENGTH} characters`);
        }
        const claimed = await claim(service, params.id!, worker);
        // Nothing pending and no wake in flight: nothing to claim.
        return claimed ? json(200, claimed) : noContent();
      },
    },
  ];
}

function parseWake(body: Record<string, unknown>): WakeRequest {
  const { wake_id: wakeId, generation } = body;
  if (typeof wakeId !== "string" || wakeId === "") throw new ProtocolError("BAD_REQUEST", "wake_id must be a string");
  if (!Number.isSafeInteger(generation) || (generation as number) < 0) {
    throw new ProtocolError("BAD_REQUEST", "generation must be a non-negative integer");
  }
  return { wakeId, generation: generation as number };
}

function parseAck(body: Record<string, unknown>): AckRequest {
  const wake = parseWake(body);
  const done = body.done ?? false;
  if (typeof done !== "boolean") throw new ProtocolError("BAD_REQUEST", "done must be true or false");
  const raw = body.acks ?? [];
  if (!Array.isArray(raw)) throw new ProtocolError("BAD_REQUEST", "acks must be an array");
  const acks = raw.map((entry: unknown) => {
    const { stream, offset } = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof stream !== "string" || stream === "" || typeof offset !== "string") {
      throw new ProtocolError("INVALID_ACK", 'Each ack is {"stream": path, "offset": offset}');
    }
    const position = parsePosition(offset);
    if (position === undefined) throw new ProtocolError("INVALID_ACK", `Malformed offset in the ack for ${stream}`);
    return { path: stream.startsWith("/") ? stream.slice(1) : stream, position };
  });
  return { ...wake, acks, done };
}
