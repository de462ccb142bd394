/**
 * The `Webhook-Signature` header (PROTOCOL §7.1, §12.10): `t=<unix seconds>,kid=<key id>,
 * ed25519=<unpadded base64url signature>`, the signature over `<t>.<raw body>`.
 */
import { type KeyObject, sign, verify } from "node:crypto";

export const SIGNATURE_HEADER = "webhook-signature";

export function signatureHeader(body: Uint8Array, kid: string, key: KeyObject, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  const signature = sign(null, signedBytes(t, body), key).toString("base64url");
  return `t=${t},kid=${kid},ed25519=${signature}`;
}

/** Checks a header against a public key (for tests and tools; receivers use the client's helper). */
export function verifySignatureHeader(header: string, body: Uint8Array, publicKey: KeyObject): boolean {
  const match = /^t=(\d+),kid=([^,]+),ed25519=([A-Za-z0-9_-]+)$/.exec(header);
  if (!match) return false;
  return verify(null, signedBytes(Number(match[1]), body), publicKey, Buffer.from(match[3]!, "base64url"));
}

function signedBytes(t: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${t}.`), body]);
}
