/**
 * Which headers cross a forwarding hop (RFC 9110 §7.6.1): hop-by-hop headers, and any header
 * the Connection header names, stay on their own connection. The body is re-sent as the
 * handler read it (decoded, whole), so its framing and encoding headers are re-made too.
 */

/** Names a node adds to a request it forwards; a request carrying it is never forwarded again. */
export const FORWARDED_BY = "rivulet-forwarded-by";

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function dropped(headers: Iterable<readonly [string, string]>): Set<string> {
  const names = new Set(HOP_BY_HOP);
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== "connection") continue;
    for (const token of value.split(",")) names.add(token.trim().toLowerCase());
  }
  return names;
}

/**
 * The headers of a forwarded request: end-to-end ones as received, the body's length as re-sent,
 * no `accept-encoding` (this node compresses its own reply as it would any other), the loop
 * guard, and the client's address appended to `x-forwarded-for`.
 */
export function requestHeaders(
  received: Iterable<readonly [string, string]>,
  body: Uint8Array | undefined,
  hop: { readonly nodeId: string; readonly clientAddress: string | undefined },
): Record<string, string> {
  const entries = [...received];
  const skip = dropped(entries);
  for (const name of ["content-length", "content-encoding", "accept-encoding", "expect"]) skip.add(name);
  const headers: Record<string, string> = {};
  for (const [name, value] of entries) if (!skip.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  if (body) headers["content-length"] = String(body.length);
  headers[FORWARDED_BY] = hop.nodeId;
  if (hop.clientAddress) {
    const before = headers["x-forwarded-for"];
    headers["x-forwarded-for"] = before ? `${before}, ${hop.clientAddress}` : hop.clientAddress;
  }
  return headers;
}

/** The headers of the owner's reply worth passing on (this node frames the body itself). */
export function replyHeaders(received: Iterable<readonly [string, string]>): Record<string, string> {
  const entries = [...received];
  const skip = dropped(entries);
  skip.add("content-length");
  const headers: Record<string, string> = {};
  for (const [name, value] of entries) if (!skip.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  return headers;
}
