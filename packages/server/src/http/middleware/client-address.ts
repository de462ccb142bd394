/**
 * Who "one client" is for per-client limits: the peer address, or with `trustProxy` the
 * address the nearest proxy appended to X-Forwarded-For. IPv6 clients are grouped by their
 * /64, since one host usually holds a whole /64 and could otherwise rotate addresses at will.
 */
import type { HttpRequest } from "../exchange.js";

/** Longest key kept for an address we could not parse (from a forwarded header). */
const MAX_KEY = 64;

export function clientAddress(request: HttpRequest, trustProxy: boolean): string | undefined {
  let address = request.remoteAddress;
  if (trustProxy) {
    const forwarded = request.header("x-forwarded-for");
    const last = forwarded?.slice(forwarded.lastIndexOf(",") + 1).trim();
    if (last) address = last;
  }
  return address === undefined ? undefined : clientKey(address);
}

export function clientKey(address: string): string {
  if (!address.includes(":")) return address.length > MAX_KEY ? address.slice(0, MAX_KEY) : address;
  // An IPv4 client on a dual-stack socket.
  if (address.startsWith("::ffff:") && address.includes(".")) return address.slice(7);
  return ipv6Slash64(address) ?? address.slice(0, MAX_KEY);
}

function ipv6Slash64(address: string): string | undefined {
  const bare = address.split("%", 1)[0]!.toLowerCase();
  const [head = "", tail, extra] = bare.split("::");
  if (extra !== undefined) return undefined;
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  const groups = [...left, ...Array<string>(missing).fill("0"), ...right];
  const prefix = groups.slice(0, 4);
  if (!prefix.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return `${prefix.map((group) => group.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}
