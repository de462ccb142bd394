/**
 * Access control for `rivulet serve`: builds the server's auth options from the settings
 * (a token file, JWT key files, or an inline `auth` object in the config file), and the
 * exposure rule: without auth the server listens on loopback only, unless `--insecure`.
 * Failures are usage errors (`rivulet: USAGE: ...`, exit 1) that never quote a secret.
 */
import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { type AuthOptions, authConfigured, checkAuthOptions, type JwtOptions, type StaticToken } from "@rivulet/server";
import { usage } from "./failure.js";

export interface AuthSettings {
  host: string;
  insecure?: boolean;
  authTokensFile?: string;
  jwtHs256SecretFile?: string;
  jwtEddsaPublicKeyFile?: string;
  jwtJwksUrl?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  jwtScopeClaim?: string;
  /** Inline `auth` from the config file (same shape as the server's `auth` option). */
  auth?: AuthOptions;
}

/** The auth options the settings describe, or undefined when none are configured. */
export async function loadAuth(settings: AuthSettings): Promise<AuthOptions | undefined> {
  const tokens: StaticToken[] = [...(settings.auth?.tokens ?? [])];
  if (settings.authTokensFile) tokens.push(...(await readTokens(settings.authTokensFile)));
  const jwt: { -readonly [K in keyof JwtOptions]: JwtOptions[K] } = { ...settings.auth?.jwt };
  if (settings.jwtHs256SecretFile) jwt.hs256Secret = await readSecret(settings.jwtHs256SecretFile);
  if (settings.jwtEddsaPublicKeyFile) jwt.eddsaPublicKey = await readSecret(settings.jwtEddsaPublicKeyFile);
  if (settings.jwtJwksUrl) jwt.jwksUrl = settings.jwtJwksUrl;
  if (settings.jwtIssuer) jwt.issuer = settings.jwtIssuer;
  if (settings.jwtAudience) jwt.audience = settings.jwtAudience;
  if (settings.jwtScopeClaim) jwt.scopeClaim = settings.jwtScopeClaim;
  const auth: AuthOptions = {
    ...(tokens.length > 0 ? { tokens } : {}),
    ...(hasKey(jwt) ? { jwt } : {}),
  };
  if (!authConfigured(auth)) {
    if (Object.keys(jwt).length > 0 || settings.auth) {
      throw usage("auth settings were given but no token file, token or JWT key");
    }
    return undefined;
  }
  try {
    checkAuthOptions(auth);
  } catch (error) {
    throw usage((error as Error).message);
  }
  return auth;
}

/** Refuses to serve an address other machines can reach without auth, unless told to. */
export function checkExposure(settings: AuthSettings, auth: AuthOptions | undefined): void {
  if (auth || isLoopbackHost(settings.host) || settings.insecure) return;
  throw usage(
    `refusing to listen on ${settings.host} without authentication: configure --auth-tokens-file or a --jwt-* key (docs/security.md), or pass --insecure`,
  );
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) return bare === "::1" || /^::ffff:127\./i.test(bare);
  return false;
}

function hasKey(jwt: JwtOptions): boolean {
  return !!(jwt.hs256Secret || jwt.eddsaPublicKey || jwt.jwksUrl);
}

async function readSecret(file: string): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (error) {
    throw usage(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** A JSON array of `{ "token", "scopes", "id"? }`. Errors name the file and entry, never a token. */
async function readTokens(file: string): Promise<StaticToken[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw usage(`cannot read token file ${file}: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw usage(`${file} must hold a JSON array of tokens`);
  return parsed.map((entry: unknown, index) => {
    const value = entry as Partial<StaticToken> | null;
    if (typeof value?.token !== "string" || !Array.isArray(value.scopes)) {
      throw usage(`${file} entry ${index + 1} needs "token" (a string) and "scopes" (an array)`);
    }
    return value as StaticToken;
  });
}
