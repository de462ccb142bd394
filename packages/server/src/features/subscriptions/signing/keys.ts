/**
 * Webhook signing keys (PROTOCOL §6.5): Ed25519 key pairs named by a `kid` derived from the
 * public key (its RFC 7638 JWK thumbprint), published as a JWK Set.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint } from "jose";

/** A signing key as persisted: the private JWK (which holds the public `x`) and its lifetime. */
export interface SigningKey {
  readonly kid: string;
  /** Private JWK: kty OKP, crv Ed25519, x, d. Never leaves the server. */
  readonly jwk: { readonly kty: "OKP"; readonly crv: "Ed25519"; readonly x: string; readonly d: string };
  readonly createdAt: number;
  /** When a newer key replaced it; its public key stays published for the replay window after. */
  readonly retiredAt: number | null;
}

export interface PublicJwk {
  readonly kty: "OKP";
  readonly crv: "Ed25519";
  readonly kid: string;
  readonly use: "sig";
  readonly alg: "EdDSA";
  readonly x: string;
}

export async function generateSigningKey(now: number): Promise<SigningKey> {
  const { privateKey } = generateKeyPairSync("ed25519");
  const exported = privateKey.export({ format: "jwk" });
  const jwk = { kty: "OKP" as const, crv: "Ed25519" as const, x: exported.x!, d: exported.d! };
  const thumbprint = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, "sha256");
  return { kid: `ds_${thumbprint}`, jwk, createdAt: now, retiredAt: null };
}

export function publicJwk(key: SigningKey): PublicJwk {
  return { kty: "OKP", crv: "Ed25519", kid: key.kid, use: "sig", alg: "EdDSA", x: key.jwk.x };
}

export function privateKeyObject(key: SigningKey): KeyObject {
  return createPrivateKey({ key: key.jwk, format: "jwk" });
}
