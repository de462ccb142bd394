/**
 * SSE sessions end a fixed lifetime after they start (PROTOCOL §10.2), and long-polls time out
 * a fixed time after they begin to wait (§5.7). With one lifetime for all of them, deadlines
 * come in the order they start, so a linked list in start order with one timer for its head
 * replaces a timer per connection: adding and removing are O(1) and a waiting connection owns
 * no timer object.
 */
export interface Expiring {
  /** performance.now() at which `expire` runs. */
  expiresAt: number;
  previousExpiring: Expiring | undefined;
  nextExpiring: Expiring | undefined;
  expire(): void;
}

export class LifetimeQueue {
  private head: Expiring | undefined;
  private tail: Expiring | undefined;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(private readonly lifetimeMs: number) {}

  add(item: Expiring): void {
    item.expiresAt = performance.now() + this.lifetimeMs;
    item.previousExpiring = this.tail;
    item.nextExpiring = undefined;
    if (this.tail) this.tail.nextExpiring = item;
    else this.head = item;
    this.tail = item;
    this.arm();
  }

  /** Unlinks `item`; a no-op when it is not queued (expired, or removed before). */
  remove(item: Expiring): void {
    if (item.previousExpiring === undefined && this.head !== item) return;
    if (item.previousExpiring) item.previousExpiring.nextExpiring = item.nextExpiring;
    else this.head = item.nextExpiring;
    if (item.nextExpiring) item.nextExpiring.previousExpiring = item.previousExpiring;
    else this.tail = item.previousExpiring;
    item.previousExpiring = item.nextExpiring = undefined;
  }

  private arm(): void {
    const head = this.head;
    if (!head || head.expiresAt >= this.armedFor) return;
    clearTimeout(this.timer);
    this.armedFor = head.expiresAt;
    this.timer = setTimeout(() => this.fire(), Math.max(0, head.expiresAt - performance.now()));
    // Open listeners keep the process alive; a session's deadline alone must not.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = performance.now();
    while (this.head && this.head.expiresAt <= now) {
      const item = this.head;
      this.remove(item);
      item.expire();
    }
    this.arm();
  }
}

const queues = new Map<number, LifetimeQueue>();

/** The queue for waits of `lifetimeMs` (one per configured lifetime in the process). */
export function lifetimeQueue(lifetimeMs: number): LifetimeQueue {
  let queue = queues.get(lifetimeMs);
  if (!queue) {
    queue = new LifetimeQueue(lifetimeMs);
    queues.set(lifetimeMs, queue);
  }
  return queue;
}
