/**
 * The server's webhook signing keys (PROTOCOL §6.5), fetched from its JWKS and cached. A key
 * id the cache does not hold makes it fetch the set again — that is how a rotated key is
 * learned — but not more often than the cooldown allows, so requests naming made-up key ids
 * cannot make the receiver hammer the server.
 */
import { type CryptoKey, createRemoteJWKSet, customFetch, errors } from "jose";
import { StreamError } from "../errors.js";
import type { FetchLike } from "../options.js";
import { WebhookRejectedError } from "./errors.js";

export interface SigningKeysOptions {
  jwksUrl: string;
  fetch?: FetchLike | undefined;
  /** How long a fetched key set is used before it is fetched again (the server says 5 minutes). */
  cacheMs: number;
  /** How soon after a fetch an unknown key id may cause another. */
  cooldownMs: number;
  /** Limit of one fetch of the key set. */
  timeoutMs: number;
}

export class SigningKeys {
  readonly #url: string;
  readonly #keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(options: SigningKeysOptions) {
    this.#url = options.jwksUrl;
    const fetchImpl = options.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init));
    this.#keys = createRemoteJWKSet(new URL(options.jwksUrl), {
      cacheMaxAge: options.cacheMs,
      cooldownDuration: options.cooldownMs,
      timeoutDuration: options.timeoutMs,
      [customFetch]: (url: string, init: RequestInit) => fetchImpl(url, init),
    });
  }

  /**
   * The public key `kid` names: UNKNOWN_KEY (a rejection) when the server's set does not hold
   * it; a retryable StreamError when the set could not be fetched.
   */
  async key(kid: string, requestUrl: string): Promise<CryptoKey> {
    try {
      return (await this.#keys({ alg: "EdDSA", kid })) as CryptoKey;
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) {
        throw new WebhookRejectedError("UNKNOWN_KEY", `No signing key ${kid} at ${this.#url}`, requestUrl);
      }
      throw this.#unavailable(error);
    }
  }

  #unavailable(error: unknown): StreamError {
    const url = this.#url;
    const detail = error instanceof Error ? error.message : String(error);
    const message = `Could not load the webhook signing keys from ${url}: ${detail}`;
    if (error instanceof errors.JWKSTimeout) return new StreamError("TIMEOUT", message, { url, cause: error });
    if (error instanceof errors.JOSEError) {
      // A set that answers but is not a usable key set: the server's side, maybe passing.
      return new StreamError("SERVER_ERROR", message, { url, cause: error });
    }
    return new StreamError("NETWORK", message, { url, cause: error });
  }
}
