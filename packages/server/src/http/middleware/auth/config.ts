/**
 * The shape of access-control configuration (docs/security.md). Credentials are bearer tokens
 * (RFC 6750): static ones listed here, or JWTs signed with HS256 or EdDSA.
 */

/** What a grant allows: reading streams, writing them (create, append, close, delete), or admin endpoints. */
export type AccessScope = "read" | "write" | "admin";

export const ACCESS_SCOPES: readonly AccessScope[] = ["read", "write", "admin"];

export interface StaticToken {
  /** The secret the client sends as `Authorization: Bearer <token>`; at least 16 characters. */
  readonly token: string;
  /** Grants such as `read:/v1/stream/public/**`, `write:/v1/stream/app/*`, `admin`. */
  readonly scopes: readonly string[];
  /** A name for logs and per-token rate limits (default `token-<n>`, its place in the list). Never the secret. */
  readonly id?: string;
}

export interface JwtOptions {
  /** Shared secret for HS256 tokens (at least 32 bytes). */
  readonly hs256Secret?: string;
  /** PEM (SPKI) Ed25519 public key for EdDSA tokens. */
  readonly eddsaPublicKey?: string;
  /** URL of a JSON Web Key Set with Ed25519 keys, fetched and cached by kid. */
  readonly jwksUrl?: string;
  /** Required `iss` claim. */
  readonly issuer?: string;
  /** Required `aud` claim. */
  readonly audience?: string;
  /** Claim holding the grants: a space-separated string or an array (default `scope`). */
  readonly scopeClaim?: string;
  /** Allowed clock skew for `exp` and `nbf` (default 30 s). */
  readonly clockToleranceSeconds?: number;
}

export interface AuthOptions {
  readonly tokens?: readonly StaticToken[];
  readonly jwt?: JwtOptions;
}

/** Whether an auth configuration can authenticate anyone at all. */
export function authConfigured(auth: AuthOptions | undefined): boolean {
  if (!auth) return false;
  const jwt = auth.jwt;
  return (auth.tokens?.length ?? 0) > 0 || !!(jwt && (jwt.hs256Secret || jwt.eddsaPublicKey || jwt.jwksUrl));
}
