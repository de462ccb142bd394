/**
 * Which IP addresses a webhook must not reach unless allowed (PROTOCOL §6.2, §12.8): loopback,
 * RFC 1918 private, link-local (cloud metadata at 169.254.169.254 among them), carrier-grade
 * NAT, unique local and site-local IPv6, multicast, unspecified, documentation and other
 * reserved ranges. IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
 */
import { BlockList, isIP } from "node:net";

const NON_PUBLIC: ReadonlyArray<readonly [string, number, "ipv4" | "ipv6"]> = [
  ["0.0.0.0", 8, "ipv4"], // "this network", 0.0.0.0 reaches the local host
  ["10.0.0.0", 8, "ipv4"], // RFC 1918
  ["100.64.0.0", 10, "ipv4"], // carrier-grade NAT (RFC 6598)
  ["127.0.0.0", 8, "ipv4"], // loopback
  ["169.254.0.0", 16, "ipv4"], // link-local, cloud metadata endpoints
  ["172.16.0.0", 12, "ipv4"], // RFC 1918
  ["192.0.0.0", 24, "ipv4"], // IETF protocol assignments
  ["192.0.2.0", 24, "ipv4"], // documentation
  ["192.88.99.0", 24, "ipv4"], // 6to4 relay anycast
  ["192.168.0.0", 16, "ipv4"], // RFC 1918
  ["198.18.0.0", 15, "ipv4"], // benchmarking
  ["198.51.100.0", 24, "ipv4"], // documentation
  ["203.0.113.0", 24, "ipv4"], // documentation
  ["224.0.0.0", 4, "ipv4"], // multicast
  ["240.0.0.0", 4, "ipv4"], // reserved, and broadcast
  ["::", 128, "ipv6"], // unspecified
  ["::1", 128, "ipv6"], // loopback
  ["100::", 64, "ipv6"], // discard
  ["2001:db8::", 32, "ipv6"], // documentation
  ["fc00::", 7, "ipv6"], // unique local
  ["fe80::", 10, "ipv6"], // link-local
  ["fec0::", 10, "ipv6"], // site-local (deprecated, still routed inside some networks)
  ["ff00::", 8, "ipv6"], // multicast
];

const blocked = new BlockList();
for (const [address, prefix, family] of NON_PUBLIC) blocked.addSubnet(address, prefix, family);

/** `4`, `6`, or 0 when `text` is not an IP address (an IPv6 zone such as `%eth0` is ignored). */
export function ipFamily(text: string): 0 | 4 | 6 {
  return isIP(withoutZone(text)) as 0 | 4 | 6;
}

/** Whether `address` (an IP literal) is anything but a public unicast address. */
export function isNonPublicAddress(address: string): boolean {
  const bare = withoutZone(address);
  const family = isIP(bare);
  if (family === 0) throw new Error(`not an IP address: ${address}`);
  return blocked.check(bare, family === 4 ? "ipv4" : "ipv6");
}

function withoutZone(address: string): string {
  const zone = address.indexOf("%");
  return zone === -1 ? address : address.slice(0, zone);
}
