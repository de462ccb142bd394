/**
 * Static bearer tokens. A presented token is hashed and compared with every configured digest
 * in constant time, with no early exit, so response timing says nothing about how close a
 * guess was or which entry matched.
 */
import { hash, timingSafeEqual } from "node:crypto";
import type { StaticToken } from "./config.js";
import { type Principal, parseGrantsStrict } from "./scopes.js";

const MIN_TOKEN_LENGTH = 16;

interface Entry {
  readonly digest: Buffer;
  readonly principal: Principal;
}

export class StaticTokens {
  private readonly entries: Entry[];

  constructor(tokens: readonly StaticToken[]) {
    const ids = new Set<string>();
    const digests = new Set<string>();
    this.entries = tokens.map((entry, index) => {
      const id = entry.id ?? `token-${index + 1}`;
      if (typeof entry.token !== "string" || entry.token.length < MIN_TOKEN_LENGTH) {
        throw new Error(`auth token ${id}: a token must be a string of at least ${MIN_TOKEN_LENGTH} characters`);
      }
      if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(entry.token)) {
        throw new Error(`auth token ${id}: a bearer token may only contain A-Z a-z 0-9 - . _ ~ + / and trailing =`);
      }
      if (ids.has(id)) throw new Error(`auth token ${id}: duplicate id`);
      ids.add(id);
      const digest = sha256(entry.token);
      if (digests.has(digest.toString("hex"))) throw new Error(`auth token ${id}: the same token is listed twice`);
      digests.add(digest.toString("hex"));
      return { digest, principal: { id, grants: parseGrantsStrict(entry.scopes ?? [], `auth token ${id}`) } };
    });
  }

  get size(): number {
    return this.entries.length;
  }

  match(token: string): Principal | undefined {
    const digest = sha256(token);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(digest, entry.digest) && found === undefined) found = entry.principal;
    }
    return found;
  }
}

/** One-shot hashing: no Hash object per request. */
function sha256(text: string): Buffer {
  return hash("sha256", text, "buffer");
}
