/**
 * Webhook signature verification (PROTOCOL §7.1, §6.5), for receivers asked to check what they
 * get: `Webhook-Signature: t=<unix seconds>,kid=<key id>,ed25519=<base64url>` is an Ed25519
 * signature over `<t>.<raw body>`, made with the key the server publishes under `kid` in its
 * JWK Set. The set is fetched when a kid is not known yet (at most one fetch at a time), so a
 * rotated key is picked up by the first wake signed with it.
 */
import { createPublicKey, type JsonWebKey, type KeyObject, verify } from "node:crypto";
import type { TargetHeaders } from "../../http-pool.js";

/** Timestamps further than this from the receiver's clock are refused (a replay window). */
const REPLAY_WINDOW_SECONDS = 300;

export class SignatureCheck {
  private readonly keys = new Map<string, KeyObject>();
  private fetching: Promise<void> | undefined;

  constructor(
    private readonly jwksUrl: string,
    private readonly headers: TargetHeaders = {},
  ) {}

  /** Why the signature is not valid for `body`, or undefined when it is. */
  async problem(header: string | undefined, body: Buffer, nowMs = Date.now()): Promise<string | undefined> {
    const fields = parseHeader(header);
    if (!fields) return "no well-formed Webhook-Signature header";
    if (Math.abs(nowMs / 1000 - fields.t) > REPLAY_WINDOW_SECONDS) return `signature time ${fields.t} is out of window`;
    const key = await this.key(fields.kid);
    if (!key) return `no key ${fields.kid} in ${this.jwksUrl}`;
    const signed = Buffer.concat([Buffer.from(`${fields.t}.`), body]);
    return verify(null, signed, key, fields.signature) ? undefined : "signature does not match the body";
  }

  private async key(kid: string): Promise<KeyObject | undefined> {
    if (!this.keys.has(kid)) {
      this.fetching ??= this.fetchKeys().finally(() => {
        this.fetching = undefined;
      });
      await this.fetching;
    }
    return this.keys.get(kid);
  }

  private async fetchKeys(): Promise<void> {
    const response = await fetch(this.jwksUrl, { headers: this.headers });
    if (!response.ok) throw new Error(`GET ${this.jwksUrl} answered ${response.status}`);
    const { keys } = (await response.json()) as { keys?: Array<{ kid?: string; kty?: string; crv?: string }> };
    for (const jwk of keys ?? []) {
      if (typeof jwk.kid !== "string" || jwk.kty !== "OKP" || jwk.crv !== "Ed25519") continue;
      this.keys.set(jwk.kid, createPublicKey({ key: jwk as JsonWebKey, format: "jwk" }));
    }
  }
}

function parseHeader(header: string | undefined): { t: number; kid: string; signature: Buffer } | undefined {
  if (!header) return undefined;
  const fields = new Map(
    header.split(",").map((part) => {
      const at = part.indexOf("=");
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = Number(fields.get("t"));
  const kid = fields.get("kid");
  const signature = fields.get("ed25519");
  if (!Number.isSafeInteger(t) || !kid || !signature || !/^[A-Za-z0-9_-]+$/.test(signature)) return undefined;
  return { t, kid, signature: Buffer.from(signature, "base64url") };
}
