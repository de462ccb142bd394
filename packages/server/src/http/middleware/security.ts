/** Browser security headers on every response (PROTOCOL §12.7). */
import type { HttpReply } from "../exchange.js";

export function addSecurityHeaders(reply: HttpReply): void {
  reply.headers["x-content-type-options"] = "nosniff";
  reply.headers["cross-origin-resource-policy"] = "cross-origin";
}
