/**
 * Wakes a receiver has accepted, remembered for as long as their signature could be replayed
 * (PROTOCOL §12.10). The server never sends one wake twice — a retry is a new wake with a new
 * id — so a wake id seen again inside the window is a replay. Bounded: past `capacity`, the
 * oldest are forgotten first (a replay of those still needs a fresh timestamp to pass).
 */
export class SeenWakes {
  readonly #expiries = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly capacity: number,
  ) {}

  /** Records the wake; false when it was already there. */
  remember(subscriptionId: string, wakeId: string, now: number): boolean {
    this.#forgetExpired(now);
    const key = `${subscriptionId}\u0000${wakeId}`;
    if (this.#expiries.has(key)) return false;
    this.#expiries.set(key, now + this.windowMs);
    if (this.#expiries.size > this.capacity) this.#expiries.delete(this.#expiries.keys().next().value!);
    return true;
  }

  /** Entries are in insertion order and all live `windowMs`: expired ones are at the front. */
  #forgetExpired(now: number): void {
    for (const [key, expiry] of this.#expiries) {
      if (expiry > now) return;
      this.#expiries.delete(key);
    }
  }
}
