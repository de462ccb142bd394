/**
 * Token buckets (PROTOCOL §12.5): each key (a client address or a credential id) may make
 * `rate` requests per second on average and `burst` at once. A bucket is two numbers updated
 * in place; buckets that have refilled are dropped in a sweep at most once a minute, and the
 * map never holds more than `maxKeys` (the oldest key is dropped first), so a flood of new
 * addresses cannot grow it without bound.
 */
import { ProtocolError } from "@rivulet/protocol";

interface Bucket {
  tokens: number;
  at: number;
}

const SWEEP_EVERY_MS = 60_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private lastSweep: number;

  constructor(
    rate: number,
    private readonly burst: number,
    private readonly what: "client" | "token",
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {
    this.perMs = rate / 1000;
    this.lastSweep = now();
  }

  /** Takes one token for `key`, or throws RATE_LIMITED with the seconds until one is available. */
  take(key: string): void {
    const now = this.now();
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (now - this.lastSweep > SWEEP_EVERY_MS) this.sweep(now);
      if (this.buckets.size >= this.maxKeys) this.dropOldest();
      this.buckets.set(key, { tokens: this.burst - 1, at: now });
      return;
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const seconds = Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000));
    throw new ProtocolError("RATE_LIMITED", `Too many requests from this ${this.what}; retry in ${seconds} s`, {
      "retry-after": String(seconds),
    });
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.burst) this.buckets.delete(key);
    }
  }

  private dropOldest(): void {
    const oldest = this.buckets.keys().next().value;
    if (oldest !== undefined) this.buckets.delete(oldest);
  }
}
