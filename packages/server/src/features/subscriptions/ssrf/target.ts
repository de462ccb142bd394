/**
 * The DNS half of SSRF prevention (PROTOCOL §12.8): a host name is resolved, every address it
 * resolves to is checked, and the connection goes to an address that passed — the HTTP
 * client's `lookup` is this check, so there is no window between checking a name and
 * connecting to what it resolves to (DNS rebinding).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { ipFamily, isNonPublicAddress } from "./addresses.js";
import type { AllowList } from "./allow-list.js";

/** Resolves a host name to its addresses (injectable for tests). */
export type Resolver = (host: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

/** A target that resolved only to addresses a webhook may not reach. */
export class TargetRefusedError extends Error {
  readonly code = "WEBHOOK_TARGET_REFUSED";
}

export interface TargetPolicy {
  readonly allow: AllowList;
  readonly resolve: Resolver;
}

/** Whether a webhook may connect to `address` of `host`. */
export function addressAllowed(policy: TargetPolicy, host: string, address: string): boolean {
  return policy.allow.allowsHost(host) || policy.allow.allowsAddress(address) || !isNonPublicAddress(address);
}

/** The addresses of `host` a webhook may connect to; throws TargetRefusedError when there are none. */
export async function allowedAddresses(policy: TargetPolicy, host: string): Promise<LookupAddress[]> {
  const addresses =
    ipFamily(host) === 0 ? await policy.resolve(host) : [{ address: host, family: ipFamily(host) as 4 | 6 }];
  const allowed = addresses.filter((entry) => addressAllowed(policy, host, entry.address));
  if (allowed.length === 0) {
    throw new TargetRefusedError(`${host} resolves only to addresses webhooks may not reach`);
  }
  return allowed;
}

/** A `lookup` for node:http(s) that only ever hands the socket an allowed address. */
export function guardedLookup(policy: TargetPolicy): LookupFunction {
  return (host, options, callback) => {
    allowedAddresses(policy, host).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = wanted === undefined ? addresses : addresses.filter((entry) => entry.family === wanted);
        if (usable.length === 0) {
          callback(new TargetRefusedError(`${host} has no allowed IPv${wanted} address`), "", 0);
        } else if (options.all) {
          (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, usable);
        } else {
          callback(null, usable[0]!.address, usable[0]!.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 0),
    );
  };
}
