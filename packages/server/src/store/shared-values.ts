/**
 * What millions of stream records share instead of each holding its own copy: content type
 * strings, the empty retention and lifetime settings most streams have, and one meta shape
 * without the fork fields.
 */
import type { ForkOrigin, Lifetime, Retention } from "@rivulet/protocol";
import type { Inherited, StreamMeta } from "./types.js";

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

/**
 * A stream's meta with the fork fields present only on a fork (or a stream with an inherited
 * start): every other stream's meta has two fields fewer (16 B each). Callers list the common
 * fields in StreamMeta's order so that all metas share one hidden class.
 */
export function streamMeta(
  common: Omit<StreamMeta, "fork" | "inherited">,
  fork: ForkOrigin | undefined,
  inherited: Inherited | undefined,
): StreamMeta {
  if (fork === undefined && inherited === undefined) return common;
  return { ...common, ...(fork && { fork }), ...(inherited && { inherited }) };
}
