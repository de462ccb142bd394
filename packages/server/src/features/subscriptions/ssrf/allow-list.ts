/**
 * The webhook allow-list (`ServerOptions.webhookAllow`, `rivulet serve --webhook-allow`): the
 * targets a webhook may reach although they are not public, for local development and tests
 * (PROTOCOL §6.2's localhost exception, §12.8's allow-listing). Entries are host names
 * (`localhost`; `*.example.internal` covers its subdomains), IP addresses, or CIDR ranges. An
 * allowed target may also be called over plain `http://`.
 */
import { BlockList, isIP } from "node:net";

export interface AllowList {
  /** Whether the host name (as written in the URL, lower case, no brackets) is allowed by name or as an address. */
  allowsHost(host: string): boolean;
  /** Whether a resolved address is in an allowed range. */
  allowsAddress(address: string): boolean;
  readonly empty: boolean;
}

const HOST_NAME = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Parses the entries; throws an Error naming the first one that is neither a host, an address nor a range. */
export function parseAllowList(entries: readonly string[]): AllowList {
  const names = new Set<string>();
  const suffixes: string[] = [];
  const ranges = new BlockList();
  let empty = true;
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase().replace(/\.$/, "");
    if (entry === "") continue;
    empty = false;
    if (addRange(ranges, entry)) continue;
    if (!HOST_NAME.test(entry)) {
      throw new Error(`webhook allow-list: ${JSON.stringify(raw)} is not a host name, an IP address or a CIDR range`);
    }
    if (entry.startsWith("*.")) suffixes.push(entry.slice(1));
    else names.add(entry);
  }
  const allowsAddress = (address: string) => {
    const family = isIP(address);
    return family !== 0 && ranges.check(address, family === 4 ? "ipv4" : "ipv6");
  };
  return {
    empty,
    allowsAddress,
    allowsHost: (host) => names.has(host) || suffixes.some((suffix) => host.endsWith(suffix)) || allowsAddress(host),
  };
}

/** Adds `entry` when it is an address or a CIDR range; false when it is neither. */
function addRange(ranges: BlockList, entry: string): boolean {
  const slash = entry.indexOf("/");
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  const max = family === 4 ? 32 : 128;
  const prefix = slash === -1 ? max : Number(entry.slice(slash + 1));
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (slash !== -1 && !/^\d+$/.test(entry.slice(slash + 1)))
  ) {
    throw new Error(`webhook allow-list: ${JSON.stringify(entry)} has an invalid prefix length`);
  }
  ranges.addSubnet(address, prefix, family === 4 ? "ipv4" : "ipv6");
  return true;
}
