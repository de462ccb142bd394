/** Browser security headers on every response (PROTOCOL §12.7). */

export function addSecurityHeaders(headers: Record<string, string>): void {
  headers["x-content-type-options"] = "nosniff";
  headers["cross-origin-resource-policy"] = "cross-origin";
}
