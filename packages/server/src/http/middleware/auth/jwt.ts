/**
 * JWT bearer tokens, verified with `jose`: HS256 with a shared secret, EdDSA (Ed25519) with a
 * public key or a JWKS. `exp` is required, so a leaked token stops working on its own. A
 * verified token is cached by its string until it expires (at most five minutes, so a key
 * removed from a JWKS stops being honoured soon), in a bounded map: a hot client pays for
 * one signature check, not one per request. Failed checks are not cached.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { createRemoteJWKSet, type JWTHeaderParameters, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { JwtOptions } from "./config.js";
import { grantsFromClaim, type Principal } from "./scopes.js";

const MIN_SECRET_BYTES = 32;
const MAX_CACHE_MS = 5 * 60_000;
const CACHE_ENTRIES = 10_000;

interface Cached {
  readonly principal: Principal;
  readonly until: number;
}

export class JwtVerifier {
  private readonly cache = new Map<string, Cached>();
  private readonly getKey: JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly scopeClaim: string;

  constructor(
    private readonly options: JwtOptions,
    private readonly now: () => number = Date.now,
  ) {
    const secret = options.hs256Secret === undefined ? undefined : new TextEncoder().encode(options.hs256Secret);
    if (secret && secret.length < MIN_SECRET_BYTES) {
      throw new Error(`auth jwt: hs256Secret must be at least ${MIN_SECRET_BYTES} bytes`);
    }
    const publicKey = options.eddsaPublicKey === undefined ? undefined : ed25519Key(options.eddsaPublicKey);
    const jwks = options.jwksUrl === undefined ? undefined : createRemoteJWKSet(new URL(options.jwksUrl));
    if (!secret && !publicKey && !jwks) {
      throw new Error("auth jwt: configure hs256Secret, eddsaPublicKey or jwksUrl");
    }
    this.algorithms = [...(secret ? ["HS256"] : []), ...(publicKey || jwks ? ["EdDSA", "Ed25519"] : [])];
    this.scopeClaim = options.scopeClaim ?? "scope";
    this.getKey = async (header: JWTHeaderParameters, token) => {
      if (header.alg === "HS256" && secret) return secret;
      // A kid names a key in the JWKS; without one, the configured public key is meant.
      if (jwks && (header.kid !== undefined || !publicKey)) return jwks(header, token);
      if (publicKey) return publicKey;
      throw new Error("no key for this algorithm");
    };
  }

  /** The token's principal, or undefined when it is not a valid, current token for this server. */
  async verify(token: string): Promise<Principal | undefined> {
    const now = this.now();
    const cached = this.cache.get(token);
    if (cached) {
      if (cached.until > now) return cached.principal;
      this.cache.delete(token);
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.getKey, {
        algorithms: this.algorithms,
        requiredClaims: ["exp"],
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        currentDate: new Date(now),
        ...(this.options.issuer === undefined ? {} : { issuer: this.options.issuer }),
        ...(this.options.audience === undefined ? {} : { audience: this.options.audience }),
      }));
    } catch {
      return undefined;
    }
    const principal: Principal = { id: principalId(payload), grants: grantsFromClaim(payload[this.scopeClaim]) };
    const exp = (payload.exp as number) * 1000;
    this.remember(token, { principal, until: Math.min(exp, now + MAX_CACHE_MS) });
    return principal;
  }

  private remember(token: string, entry: Cached): void {
    if (this.cache.size >= CACHE_ENTRIES) {
      // Oldest first: Map iterates in insertion order.
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(token, entry);
  }
}

function ed25519Key(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new Error(`auth jwt: eddsaPublicKey is not a PEM public key (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new Error(`auth jwt: eddsaPublicKey must be an Ed25519 key, not ${key.asymmetricKeyType}`);
  }
  return key;
}

/** `jwt:<iss>:<sub>`, for logs and per-token rate limits; tokens without `sub` share `jwt:<iss>:?`. */
function principalId(payload: Record<string, unknown>): string {
  const iss = typeof payload.iss === "string" ? payload.iss : "";
  const sub = typeof payload.sub === "string" ? payload.sub : "?";
  return `jwt:${iss}:${sub}`.slice(0, 256);
}
