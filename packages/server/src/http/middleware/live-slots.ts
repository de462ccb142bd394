/**
 * Concurrent live reads (long-poll waits and SSE sessions), counted in total and per client.
 * Each holds a connection and a waiter for as long as minutes, so they are capped separately
 * from the request rate. Past a cap the answer is 503 with Retry-After.
 */
import { ProtocolError } from "@rivulet/protocol";

/** Live reads end within a long-poll timeout; a few seconds is a fair first retry. */
const RETRY_AFTER_SECONDS = "5";

export class LiveSlots {
  private total = 0;
  private readonly perClient = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly maxPerClient: number,
  ) {}

  /** Takes a slot for `client`; the returned function gives it back (once, however often called). */
  acquire(client: string | undefined): () => void {
    if (this.max > 0 && this.total >= this.max) throw full("the server");
    const key = this.maxPerClient > 0 ? client : undefined;
    const held = key === undefined ? 0 : (this.perClient.get(key) ?? 0);
    if (key !== undefined && held >= this.maxPerClient) throw full("this client");
    this.total++;
    if (key !== undefined) this.perClient.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      if (key === undefined) return;
      const left = (this.perClient.get(key) ?? 1) - 1;
      if (left === 0) this.perClient.delete(key);
      else this.perClient.set(key, left);
    };
  }

  get open(): number {
    return this.total;
  }
}

function full(who: string): ProtocolError {
  return new ProtocolError("TOO_MANY_CONNECTIONS", `Too many live connections for ${who}; retry later`, {
    "retry-after": RETRY_AFTER_SECONDS,
  });
}
