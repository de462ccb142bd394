/**
 * Webhook signing key discovery (PROTOCOL §6.5): GET `{base}/__ds/jwks.json`, public, cacheable
 * for five minutes (an empty set until the first subscription makes a key); and POST `{base}/__ds/signing-keys/rotate` (admin) to replace the signing
 * key now, the old public key staying published through the replay window.
 */
import type { RouteSpec } from "../../../http/routing/route.js";
import type { SubscriptionService } from "../runtime/service.js";
import { json } from "./http.js";

export function keyRoutes(service: SubscriptionService): RouteSpec[] {
  const jwks = () => ({ keys: service.keys.jwks(service.now()) });
  return [
    {
      method: "GET",
      path: "__ds/jwks.json",
      operation: "jwks",
      access: "open",
      async handle() {
        return json(200, jwks(), {
          "content-type": "application/jwk-set+json",
          "cache-control": "public, max-age=300",
        });
      },
    },
    {
      method: "POST",
      path: "__ds/signing-keys/rotate",
      operation: "signing-key-rotate",
      access: "admin",
      async handle() {
        service.ensureOpen();
        await service.ensureKeys();
        const key = await service.keys.rotate(service.now());
        return json(200, { kid: key.kid, ...jwks() });
      },
    },
  ];
}
