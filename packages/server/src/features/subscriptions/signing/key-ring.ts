/**
 * The server's webhook signing keys and wake-token secret, persisted in their own state log so
 * signatures and tokens stay valid across restarts (PROTOCOL §6.5: keys SHOULD persist), and
 * made with the first subscription (a server without subscriptions writes nothing). The
 * newest key signs; after `rotationMs` a new key takes over and the old one stays in the JWKS
 * for `retiredTtlMs` — past the receivers' replay window — then is dropped (§6.5: old public
 * keys are published until no delivery they signed can still be accepted).
 */
import { type KeyObject, randomBytes } from "node:crypto";
import type { StateLog, StateLogOwner } from "../../state-log/index.js";
import { generateSigningKey, type PublicJwk, privateKeyObject, publicJwk, type SigningKey } from "./keys.js";

export type KeyRecord =
  | { readonly t: "key"; readonly kid: string; readonly jwk: SigningKey["jwk"]; readonly at: number }
  | { readonly t: "retire"; readonly kid: string; readonly at: number }
  | { readonly t: "drop"; readonly kid: string }
  | { readonly t: "secret"; readonly value: string };

export interface KeyPolicy {
  /** 0 = never rotate. */
  readonly rotationMs: number;
  readonly retiredTtlMs: number;
}

export class KeyRing implements StateLogOwner<KeyRecord> {
  private keys: SigningKey[] = [];
  private secretValue: Uint8Array | undefined;
  /** The active key's private KeyObject, made once per key rather than for every signature. */
  private signer: { readonly kid: string; readonly key: KeyObject } | undefined;

  constructor(
    private readonly log: StateLog<KeyRecord>,
    private readonly policy: KeyPolicy,
  ) {}

  replay(record: KeyRecord): void {
    switch (record.t) {
      case "key":
        this.keys.push({ kid: record.kid, jwk: record.jwk, createdAt: record.at, retiredAt: null });
        return;
      case "retire":
        this.keys = this.keys.map((key) => (key.kid === record.kid ? { ...key, retiredAt: record.at } : key));
        return;
      case "drop":
        this.keys = this.keys.filter((key) => key.kid !== record.kid);
        return;
      case "secret":
        this.secretValue = Buffer.from(record.value, "base64url");
        return;
    }
  }

  *snapshot(): Iterable<KeyRecord> {
    if (this.secretValue) yield { t: "secret", value: Buffer.from(this.secretValue).toString("base64url") };
    for (const key of this.keys) {
      yield { t: "key", kid: key.kid, jwk: key.jwk, at: key.createdAt };
      if (key.retiredAt !== null) yield { t: "retire", kid: key.kid, at: key.retiredAt };
    }
  }

  /** Replays the ring; the secret and first key are made when first needed (`ensure`). */
  async open(now: number): Promise<void> {
    this.keys = [];
    this.secretValue = undefined;
    await this.log.open(this);
    if (this.ready) await this.maintain(now);
  }

  /** Whether the token secret and a signing key exist. */
  get ready(): boolean {
    return this.secretValue !== undefined && this.keys.some((key) => key.retiredAt === null);
  }

  /** Makes the token secret and the first signing key, durably, unless they exist. */
  async ensure(now: number): Promise<void> {
    if (!this.secretValue) await this.commit({ t: "secret", value: randomBytes(32).toString("base64url") });
    if (!this.keys.some((key) => key.retiredAt === null)) await this.rotate(now);
  }

  get secret(): Uint8Array {
    if (!this.secretValue) throw new Error("no token secret yet");
    return this.secretValue;
  }

  /** The key that signs now. */
  get active(): SigningKey {
    const key = this.keys.findLast((candidate) => candidate.retiredAt === null);
    if (!key) throw new Error("no signing key yet");
    return key;
  }

  /** The active key's id and private key, to sign with. */
  get signingKey(): { readonly kid: string; readonly key: KeyObject } {
    const active = this.active;
    if (this.signer?.kid !== active.kid) this.signer = { kid: active.kid, key: privateKeyObject(active) };
    return this.signer;
  }

  /** Public keys receivers may meet: the active one and those retired within the replay window. */
  jwks(now: number): PublicJwk[] {
    return this.keys
      .filter((key) => key.retiredAt === null || now - key.retiredAt < this.policy.retiredTtlMs)
      .map(publicJwk);
  }

  /** When `maintain` next has something to do (a rotation or a drop), or undefined. */
  nextDue(): number | undefined {
    const dues: number[] = [];
    for (const key of this.keys) {
      if (key.retiredAt !== null) dues.push(key.retiredAt + this.policy.retiredTtlMs);
      else if (this.policy.rotationMs > 0) dues.push(key.createdAt + this.policy.rotationMs);
    }
    return dues.length === 0 ? undefined : Math.min(...dues);
  }

  /** Rotates a key past its time, and drops keys past the replay window. */
  async maintain(now: number): Promise<void> {
    const current = this.keys.findLast((key) => key.retiredAt === null);
    if (current && this.policy.rotationMs > 0 && now - current.createdAt >= this.policy.rotationMs) {
      await this.rotate(now);
    }
    for (const key of this.keys) {
      if (key.retiredAt !== null && now - key.retiredAt >= this.policy.retiredTtlMs) {
        await this.commit({ t: "drop", kid: key.kid });
      }
    }
  }

  /** A new signing key takes over; the previous ones are retired (still published for the replay window). */
  async rotate(now: number): Promise<SigningKey> {
    const previous = this.keys.filter((key) => key.retiredAt === null);
    const key = await generateSigningKey(now);
    // The new key is durable before it signs anything or the old one stops being current.
    await this.commit({ t: "key", kid: key.kid, jwk: key.jwk, at: now });
    for (const old of previous) await this.commit({ t: "retire", kid: old.kid, at: now });
    return key;
  }

  private async commit(record: KeyRecord): Promise<void> {
    this.replay(record);
    await this.log.append(record);
  }
}
