/**
 * Grants: `<scope>[:<path pattern>]`, e.g. `read:/v1/stream/public/**`. A bare scope covers
 * every path. In patterns `**` matches any run of characters including `/`, `*` any run
 * within one segment; everything else is literal. Patterns are compiled once, when a token is
 * configured or a JWT is first verified, so a check is a string comparison or one regex test.
 */
import { ACCESS_SCOPES, type AccessScope } from "./config.js";

export interface Grant {
  readonly scope: AccessScope;
  readonly covers: (path: string) => boolean;
}

/** Who a request acts as: an id safe to log (never the credential) and what it may do. */
export interface Principal {
  readonly id: string;
  readonly grants: readonly Grant[];
}

const everything = () => true;

/** Parses one grant; undefined when it is not well formed. */
export function parseGrant(text: string): Grant | undefined {
  const colon = text.indexOf(":");
  const scope = (colon === -1 ? text : text.slice(0, colon)) as AccessScope;
  if (!ACCESS_SCOPES.includes(scope)) return undefined;
  if (colon === -1) return { scope, covers: everything };
  const pattern = text.slice(colon + 1);
  if (!pattern.startsWith("/")) return undefined;
  return { scope, covers: compilePattern(pattern) };
}

/** Parses configured grants, failing loudly on a typo rather than silently granting less. */
export function parseGrantsStrict(texts: readonly string[], owner: string): Grant[] {
  return texts.map((text) => {
    const grant = parseGrant(text);
    if (!grant) {
      throw new Error(`${owner}: invalid scope ${JSON.stringify(text)} (expected read|write|admin[:/path/pattern])`);
    }
    return grant;
  });
}

/** Grants from a JWT claim: a space-separated string or an array; malformed entries grant nothing. */
export function grantsFromClaim(claim: unknown): Grant[] {
  const texts = typeof claim === "string" ? claim.split(" ") : Array.isArray(claim) ? claim : [];
  const grants: Grant[] = [];
  for (const text of texts) {
    const grant = typeof text === "string" ? parseGrant(text) : undefined;
    if (grant) grants.push(grant);
  }
  return grants;
}

export function allows(principal: Principal, scope: AccessScope, path: string): boolean {
  for (const grant of principal.grants) if (grant.scope === scope && grant.covers(path)) return true;
  return false;
}

function compilePattern(pattern: string): (path: string) => boolean {
  if (pattern === "/**") return everything;
  const star = pattern.indexOf("*");
  if (star === -1) return (path) => path === pattern;
  // The common shape, a subtree: `/prefix/**` is a prefix test.
  if (star === pattern.length - 2 && pattern.endsWith("/**")) {
    const prefix = pattern.slice(0, -2);
    return (path) => path.length > prefix.length && path.startsWith(prefix);
  }
  let source = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (c === "*") {
      source += "[^/]*";
    } else {
      source += c.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  const regex = new RegExp(`${source}$`, "s");
  return (path) => regex.test(path);
}
