/** Webhook signing keys and signatures (PROTOCOL §6.5, §7.1), and wake tokens (§12.9). */
import { createPublicKey } from "node:crypto";
import { describe, expect, test } from "vitest";
import { generateSigningKey, privateKeyObject, publicJwk } from "../../src/features/subscriptions/signing/keys.js";
import { signatureHeader, verifySignatureHeader } from "../../src/features/subscriptions/signing/signature.js";
import { bearerToken, WakeTokens } from "../../src/features/subscriptions/tokens.js";

describe("signing keys", () => {
  test("the kid is derived from the key material and the public JWK carries no private part", async () => {
    const key = await generateSigningKey(1000);
    expect(key.kid).toMatch(/^ds_[A-Za-z0-9_-]{43}$/);
    const jwk = publicJwk(key);
    expect(jwk).toEqual({ kty: "OKP", crv: "Ed25519", kid: key.kid, use: "sig", alg: "EdDSA", x: key.jwk.x });
    expect(JSON.stringify(jwk)).not.toContain(key.jwk.d);
    expect((await generateSigningKey(1000)).kid).not.toBe(key.kid);
  });

  test("a signature verifies with the published key over t.body, and not over anything else", async () => {
    const key = await generateSigningKey(0);
    const body = new TextEncoder().encode('{"subscription_id":"s"}');
    const header = signatureHeader(body, key.kid, privateKeyObject(key), 1_778_324_210_123);
    expect(header).toMatch(new RegExp(`^t=1778324210,kid=${key.kid},ed25519=[A-Za-z0-9_-]+$`));
    const publicKey = createPublicKey({ key: { ...publicJwk(key) }, format: "jwk" });
    expect(verifySignatureHeader(header, body, publicKey)).toBe(true);
    expect(verifySignatureHeader(header, new TextEncoder().encode('{"subscription_id":"t"}'), publicKey)).toBe(false);
    expect(verifySignatureHeader(header.replace("t=1778324210", "t=1778324211"), body, publicKey)).toBe(false);
    const other = createPublicKey({ key: { ...publicJwk(await generateSigningKey(0)) }, format: "jwk" });
    expect(verifySignatureHeader(header, body, other)).toBe(false);
  });
});

describe("wake tokens", () => {
  const secret = new Uint8Array(32).fill(7);
  const claims = { sub: "sub-1", inc: "i1", gen: 7, wid: "w_abc" };

  test("a token verifies for its subscription until it expires", async () => {
    let now = 1_000_000;
    const tokens = new WakeTokens(secret, 60_000, () => now);
    const token = await tokens.mint(claims);
    expect(await tokens.verify(token, "sub-1")).toEqual(claims);
    expect(await tokens.verify(token, "sub-2")).toBeUndefined();
    now += 61_000;
    expect(await tokens.verify(token, "sub-1")).toBeUndefined();
  });

  test("a restarted server (which remembers no token) verifies a token in full, with the same answers", async () => {
    let now = 1_000_000;
    const token = await new WakeTokens(secret, 60_000, () => now).mint(claims);
    const restarted = new WakeTokens(secret, 60_000, () => now);
    expect(await restarted.verify(token, "sub-1")).toEqual(claims);
    expect(await restarted.verify(token, "sub-2")).toBeUndefined();
    now += 61_000;
    expect(await new WakeTokens(secret, 60_000, () => now).verify(token, "sub-1")).toBeUndefined();
  });

  test("a token signed with another secret, or tampered with, is refused", async () => {
    const now = () => 1_000_000;
    const token = await new WakeTokens(secret, 60_000, now).mint(claims);
    expect(await new WakeTokens(new Uint8Array(32).fill(8), 60_000, now).verify(token, "sub-1")).toBeUndefined();
    const [header, payload, signature] = token.split(".");
    const forged = JSON.parse(Buffer.from(payload!, "base64url").toString());
    forged.gen = 8;
    const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${signature}`;
    expect(await new WakeTokens(secret, 60_000, now).verify(tampered, "sub-1")).toBeUndefined();
  });

  test("tokens come only from the Authorization header as Bearer", () => {
    expect(bearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    for (const header of [undefined, "", "Basic abc", "Bearer", "Bearer a b"]) {
      expect(() => bearerToken(header)).toThrow(expect.objectContaining({ code: "UNAUTHORIZED" }));
    }
  });
});
