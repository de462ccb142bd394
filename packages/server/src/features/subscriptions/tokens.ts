/**
 * Callback and claim tokens (PROTOCOL §7.1, §7.3, §12.9): HMAC-signed JWTs (HS256, the
 * server's persisted token secret) naming the subscription and its incarnation, the wake's
 * generation and id, and an expiry. They are not service credentials: they only authorise
 * callback, ack and release for that one wake, and only in the Authorization header.
 */
import { webcrypto } from "node:crypto";
import { ProtocolError } from "@rivulet/protocol";
import { jwtVerify, SignJWT } from "jose";

export interface WakeClaims {
  /** Subscription id. */
  readonly sub: string;
  /** The subscription's incarnation: a deleted and re-created subscription never honours old tokens. */
  readonly inc: string;
  readonly gen: number;
  readonly wid: string;
}

const AUDIENCE = "rivulet:subscription-wake";
/**
 * Tokens this server minted recently, remembered with their claims: the wake in flight's
 * callbacks present them back, and checking a token against what was minted costs a lookup
 * where verifying its signature costs as much as making it. One per wake in flight is enough;
 * the oldest go first. A token not remembered (say, after a restart) is verified in full.
 */
const REMEMBERED_TOKENS = 10_000;
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export class WakeTokens {
  /** Imported once: importing the raw secret for every token cost more than signing it. */
  private readonly key: Promise<webcrypto.CryptoKey>;
  private readonly minted = new Map<string, { readonly claims: WakeClaims; readonly expiresAt: number }>();

  constructor(
    secret: Uint8Array,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {
    this.key = webcrypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  }

  async mint(claims: WakeClaims): Promise<string> {
    const issued = Math.floor(this.now() / 1000);
    const expires = issued + Math.ceil(this.ttlMs / 1000);
    const token = await new SignJWT({ inc: claims.inc, gen: claims.gen, wid: claims.wid })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(claims.sub)
      .setAudience(AUDIENCE)
      .setIssuedAt(issued)
      .setExpirationTime(expires)
      .sign(await this.key);
    if (this.minted.size >= REMEMBERED_TOKENS) this.minted.delete(this.minted.keys().next().value!);
    this.minted.set(token, { claims: { ...claims }, expiresAt: expires * 1000 });
    return token;
  }

  /** The claims of a valid, unexpired token for subscription `id`; undefined otherwise. */
  async verify(token: string, id: string): Promise<WakeClaims | undefined> {
    const remembered = this.minted.get(token);
    if (remembered) {
      const { claims, expiresAt } = remembered;
      return claims.sub === id && this.now() < expiresAt ? claims : undefined;
    }
    try {
      const { payload } = await jwtVerify(token, await this.key, {
        algorithms: ["HS256"],
        audience: AUDIENCE,
        subject: id,
        currentDate: new Date(this.now()),
        requiredClaims: ["exp"],
      });
      const { inc, gen, wid } = payload as Record<string, unknown>;
      if (typeof inc !== "string" || typeof gen !== "number" || typeof wid !== "string") return undefined;
      return { sub: id, inc, gen, wid };
    } catch {
      return undefined;
    }
  }
}

/** The bearer token of a callback, ack or release (§12.9: only ever from the Authorization header). */
export function bearerToken(authorization: string | undefined): string {
  const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
  if (token === undefined) {
    throw new ProtocolError("UNAUTHORIZED", "This request needs the wake's token as Authorization: Bearer", {
      "www-authenticate": 'Bearer realm="rivulet"',
    });
  }
  return token;
}

export function invalidToken(): ProtocolError {
  return new ProtocolError("UNAUTHORIZED", "The token is not valid for this subscription, or has expired", {
    "www-authenticate": 'Bearer realm="rivulet", error="invalid_token"',
  });
}
