/**
 * JWT bearer tokens: HS256 and EdDSA (a PEM key or a JWKS), the claims that make a token
 * invalid (401), scopes from a claim (403 when they do not cover), and the verified-token
 * cache (bounded, never past a token's expiry). Keys are generated here.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, type JWTPayload, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { JwtVerifier } from "../../src/http/middleware/auth/jwt.js";
import { expectError, startApp, type TestApp } from "../handlers/helpers.js";

const SECRET = "an-hs256-secret-that-is-long-enough-0123456789";
const ISSUER = "https://issuer.example";
const AUDIENCE = "rivulet-tests";

const ed = generateKeyPairSync("ed25519");
const otherEd = generateKeyPairSync("ed25519");
const publicPem = ed.publicKey.export({ type: "spki", format: "pem" }).toString();

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

async function hs256(claims: JWTPayload, secret = SECRET, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", ...header }).sign(new TextEncoder().encode(secret));
}

async function eddsa(claims: JWTPayload, key: KeyObject = ed.privateKey, kid?: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", ...(kid ? { kid } : {}) }).sign(key);
}

const standard = (scope: unknown): JWTPayload => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: "user-1",
  exp: inAnHour(),
  scope: scope as string,
});

async function read(t: TestApp, path: string, token: string): Promise<Response> {
  return t.request(`${path}?offset=-1`, { headers: { authorization: `Bearer ${token}` } });
}

describe("HS256", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ auth: { jwt: { hs256Secret: SECRET, issuer: ISSUER, audience: AUDIENCE } } });
    const admin = await hs256(standard("read write"));
    for (const path of ["/v1/stream/jwt/a", "/v1/stream/other/b"]) {
      const res = await t.request(path, { method: "PUT", headers: { authorization: `Bearer ${admin}` } });
      expect(res.status).toBe(201);
    }
  });
  afterAll(() => t.close());

  test("a valid token's space-separated scopes grant what they name, and only that", async () => {
    const token = await hs256(standard("read:/v1/stream/jwt/**"));
    expect((await read(t, "/v1/stream/jwt/a", token)).status).toBe(200);
    await expectError(await read(t, "/v1/stream/other/b", token), 403, "FORBIDDEN");
    const append = await t.request("/v1/stream/jwt/a", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body: "x",
    });
    await expectError(append, 403, "FORBIDDEN");
  });

  test("scopes may be an array; malformed entries grant nothing", async () => {
    const token = await hs256(standard(["bogus", "read:relative", 42, "read:/v1/stream/other/*"]));
    expect((await read(t, "/v1/stream/other/b", token)).status).toBe(200);
    await expectError(await read(t, "/v1/stream/jwt/a", token), 403, "FORBIDDEN");
  });

  test("a token without scopes authenticates but is allowed nothing", async () => {
    const token = await hs256({ iss: ISSUER, aud: AUDIENCE, exp: inAnHour() });
    await expectError(await read(t, "/v1/stream/jwt/a", token), 403, "FORBIDDEN");
  });

  test.each<[string, () => Promise<string>]>([
    ["expired", () => hs256({ ...standard("read"), exp: Math.floor(Date.now() / 1000) - 120 })],
    ["without exp", () => hs256({ iss: ISSUER, aud: AUDIENCE, scope: "read" })],
    ["not yet valid (nbf)", () => hs256({ ...standard("read"), nbf: inAnHour() })],
    ["from another issuer", () => hs256({ ...standard("read"), iss: "https://evil.example" })],
    ["for another audience", () => hs256({ ...standard("read"), aud: "someone-else" })],
    ["signed with another secret", () => hs256(standard("read"), "another-secret-that-is-long-enough-0123")],
    ["signed with EdDSA, which is not configured here", () => eddsa(standard("read"))],
    ["unsigned (alg none)", async () => unsigned(standard("read"))],
    ["with a tampered payload", async () => tamper(await hs256(standard("read:/v1/stream/jwt/**")))],
  ])("a token %s is 401 invalid_token", async (_name, make) => {
    const res = await read(t, "/v1/stream/jwt/a", await make());
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    await expectError(res, 401, "UNAUTHORIZED");
  });
});

describe("EdDSA", () => {
  let t: TestApp;
  let jwks: Server;
  beforeAll(async () => {
    const jwk = { ...(await exportJWK(otherEd.publicKey)), kid: "rotated-key", alg: "EdDSA", use: "sig" };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    t = await startApp({ auth: { jwt: { eddsaPublicKey: publicPem, jwksUrl, scopeClaim: "permissions" } } });
    const writer = await eddsa({ exp: inAnHour(), permissions: "write read" });
    const res = await t.request("/v1/stream/ed/a", { method: "PUT", headers: { authorization: `Bearer ${writer}` } });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => jwks.close(resolve));
  });

  test("a token signed by the configured Ed25519 key, scopes from a custom claim", async () => {
    const token = await eddsa({ exp: inAnHour(), sub: "svc", permissions: ["read:/v1/stream/ed/*"] });
    expect((await read(t, "/v1/stream/ed/a", token)).status).toBe(200);
    // The default claim name means nothing when another is configured.
    const wrongClaim = await eddsa({ exp: inAnHour(), scope: "read" });
    await expectError(await read(t, "/v1/stream/ed/a", wrongClaim), 403, "FORBIDDEN");
  });

  test("a token with a kid is verified against the JWKS", async () => {
    const token = await eddsa({ exp: inAnHour(), permissions: "read" }, otherEd.privateKey, "rotated-key");
    expect((await read(t, "/v1/stream/ed/a", token)).status).toBe(200);
  });

  test("an unknown kid, a key not in the set, or HS256 with the public key as secret are 401", async () => {
    const unknownKid = await eddsa({ exp: inAnHour(), permissions: "read" }, otherEd.privateKey, "nope");
    await expectError(await read(t, "/v1/stream/ed/a", unknownKid), 401, "UNAUTHORIZED");
    const stranger = generateKeyPairSync("ed25519").privateKey;
    await expectError(
      await read(t, "/v1/stream/ed/a", await eddsa({ exp: inAnHour() }, stranger)),
      401,
      "UNAUTHORIZED",
    );
    // Algorithm confusion: HMAC keyed with the (public) PEM text.
    const confused = await hs256({ exp: inAnHour(), permissions: "read" }, publicPem);
    await expectError(await read(t, "/v1/stream/ed/a", confused), 401, "UNAUTHORIZED");
  });
});

describe("configuration", () => {
  test("a short HS256 secret, a non-Ed25519 key, or no key at all are refused at startup", () => {
    expect(() => new JwtVerifier({ hs256Secret: "short" })).toThrow(/at least 32 bytes/);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" });
    expect(() => new JwtVerifier({ eddsaPublicKey: rsa.toString() })).toThrow(/Ed25519/);
    expect(() => new JwtVerifier({ eddsaPublicKey: "not a pem" })).toThrow(/not a PEM public key/);
    expect(() => new JwtVerifier({ issuer: "x" })).toThrow(/configure hs256Secret/);
  });
});

describe("the verified-token cache", () => {
  test("a verified token is reused until it expires, then refused", async () => {
    let now = Date.now();
    const verifier = new JwtVerifier({ hs256Secret: SECRET }, () => now);
    const exp = Math.floor(now / 1000) + 60;
    const token = await hs256({ exp, scope: "read", sub: "cached" });
    const first = await verifier.verify(token);
    expect(first?.id).toBe("jwt::cached");
    expect(await verifier.verify(token)).toBe(first);
    now = exp * 1000 + 31_000; // past exp and the 30 s clock tolerance
    expect(await verifier.verify(token)).toBeUndefined();
  });

  test("entries live at most five minutes, so a revoked key stops working", async () => {
    let now = Date.now();
    const verifier = new JwtVerifier({ hs256Secret: SECRET }, () => now);
    const token = await hs256({ exp: Math.floor(now / 1000) + 3600, scope: "read" });
    const first = await verifier.verify(token);
    now += 4 * 60_000;
    expect(await verifier.verify(token)).toBe(first);
    now += 2 * 60_000;
    const again = await verifier.verify(token);
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
  });

  test("the cache is bounded: the oldest token is dropped first", async () => {
    const verifier = new JwtVerifier({ hs256Secret: SECRET });
    const exp = inAnHour();
    const first = await hs256({ exp, sub: "first" });
    const principal = await verifier.verify(first);
    for (let i = 0; i < 10_000; i++) await verifier.verify(await hs256({ exp, sub: `s${i}` }));
    const again = await verifier.verify(first);
    expect(again).toEqual(principal);
    expect(again).not.toBe(principal);
  });
});

function unsigned(claims: JWTPayload): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}

function tamper(token: string): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as JWTPayload;
  const widened = Buffer.from(JSON.stringify({ ...claims, scope: "read write admin" })).toString("base64url");
  return `${header}.${widened}.${signature}`;
}
