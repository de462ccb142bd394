/**
 * The `Webhook-Signature` header (PROTOCOL §7.1, §12.10): `t=<unix seconds>,kid=<key id>,
 * ed25519=<unpadded base64url signature>`, an Ed25519 signature over `<t>.<raw body>`.
 * Parsing and checking only; which key and which times are acceptable is the receiver's call.
 */
import { base64url, type CryptoKey } from "jose";

export const SIGNATURE_HEADER = "webhook-signature";

export interface ParsedSignature {
  /** When it was signed, in Unix seconds. */
  readonly timestamp: number;
  readonly kid: string;
  readonly signature: Uint8Array;
}

/** Ed25519 signatures are 64 bytes: 86 base64url characters without padding. */
const ED25519_BASE64URL = /^[A-Za-z0-9_-]{86}$/;

/** The header's parts, or undefined when it is not in the protocol's form. */
export function parseSignature(header: string): ParsedSignature | undefined {
  const params = new Map<string, string>();
  for (const part of header.split(",")) {
    const equals = part.indexOf("=");
    if (equals <= 0) return undefined;
    const name = part.slice(0, equals).trim();
    // The same parameter twice: which one was meant is anyone's guess.
    if (params.has(name)) return undefined;
    params.set(name, part.slice(equals + 1).trim());
  }
  const t = params.get("t");
  const kid = params.get("kid");
  const signature = params.get("ed25519");
  if (t === undefined || !/^\d{1,15}$/.test(t) || !kid || signature === undefined) return undefined;
  if (!ED25519_BASE64URL.test(signature)) return undefined;
  return { timestamp: Number(t), kid, signature: base64url.decode(signature) };
}

/** `<t>.<raw body>`: the bytes the signature covers. */
export function signedBytes(timestamp: number, body: Uint8Array): Uint8Array {
  const prefix = new TextEncoder().encode(`${timestamp}.`);
  const bytes = new Uint8Array(prefix.length + body.length);
  bytes.set(prefix);
  bytes.set(body, prefix.length);
  return bytes;
}

export function verifySignature(key: CryptoKey, parsed: ParsedSignature, body: Uint8Array): Promise<boolean> {
  return crypto.subtle.verify(
    "Ed25519",
    key,
    parsed.signature as Uint8Array<ArrayBuffer>,
    signedBytes(parsed.timestamp, body) as Uint8Array<ArrayBuffer>,
  );
}
