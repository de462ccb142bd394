/**
 * What millions of stream records share instead of each holding its own copy: content type
 * strings, and the empty retention and lifetime settings most streams have.
 */
import type { Lifetime, Retention } from "@rivulet/protocol";

/** Millions of streams share a handful of content types; keep one string of each. */
const contentTypes = new Map<string, string>();
export function internContentType(contentType: string): string {
  const known = contentTypes.get(contentType);
  if (known !== undefined) return known;
  if (contentTypes.size < 1024) contentTypes.set(contentType, contentType);
  return contentType;
}

/** Most streams have no retention of their own; they all share one empty setting. */
export const NO_RETENTION: Retention = Object.freeze({});
export function shareRetention(retention: Retention): Retention {
  return retention.ms === undefined && retention.bytes === undefined ? NO_RETENTION : retention;
}

/** Most streams never expire; they all share one empty lifetime. */
export const NO_LIFETIME: Lifetime = Object.freeze({});
export function shareLifetime(lifetime: Lifetime): Lifetime {
  return lifetime.ttlSeconds === undefined && lifetime.expiresAt === undefined ? NO_LIFETIME : lifetime;
}
