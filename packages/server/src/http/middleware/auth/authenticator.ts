/**
 * Turns an `Authorization` header into a principal, or a 401. Static tokens are checked
 * first (a hash and a few constant-time compares); a token shaped like a JWT is then
 * verified as one. Error messages never repeat the credential.
 */
import { ProtocolError } from "@rivulet/protocol";
import { type AuthOptions, authConfigured } from "./config.js";
import { JwtVerifier } from "./jwt.js";
import type { Principal } from "./scopes.js";
import { StaticTokens } from "./static-tokens.js";

/** RFC 6750 §2.1: `Bearer` then a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** Longer than any sane token; refused before hashing or parsing it. */
const MAX_TOKEN_LENGTH = 8192;

export const REALM = 'Bearer realm="rivulet"';

export class Authenticator {
  private readonly tokens: StaticTokens;
  private readonly jwt: JwtVerifier | undefined;

  constructor(options: AuthOptions, now?: () => number) {
    this.tokens = new StaticTokens(options.tokens ?? []);
    this.jwt = options.jwt ? new JwtVerifier(options.jwt, now) : undefined;
  }

  /** The principal for this header; throws UNAUTHORIZED when it is missing or not valid. */
  authenticate(authorization: string | undefined): Principal | Promise<Principal> {
    if (authorization === undefined || authorization === "") {
      throw new ProtocolError("UNAUTHORIZED", "This server requires a bearer token", { "www-authenticate": REALM });
    }
    const match = authorization.length <= MAX_TOKEN_LENGTH + 16 ? BEARER.exec(authorization) : null;
    const token = match?.[1];
    if (token === undefined || token.length > MAX_TOKEN_LENGTH) throw invalid();
    const principal = this.tokens.size > 0 ? this.tokens.match(token) : undefined;
    if (principal) return principal;
    if (this.jwt && JWT_SHAPE.test(token)) {
      return this.jwt.verify(token).then((verified) => {
        if (!verified) throw invalid();
        return verified;
      });
    }
    throw invalid();
  }
}

/** Throws, with a message that names tokens by id only, when the configuration cannot be used. */
export function checkAuthOptions(options: AuthOptions): void {
  if (!authConfigured(options)) {
    throw new Error("auth is set but lists no tokens and no JWT key; remove it or configure a credential");
  }
  new Authenticator(options);
}

function invalid(): ProtocolError {
  return new ProtocolError("UNAUTHORIZED", "The bearer token is not valid or has expired", {
    "www-authenticate": `${REALM}, error="invalid_token"`,
  });
}
