/**
 * Heartbeats waiting for their group to change (long-polls, bounded). A change wakes every
 * waiter of its group; closing wakes them all, so shutdown never waits on a long heartbeat.
 */
export class GroupWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Resolves when `group` changes, after `ms`, or when `cancel` is called by the caller's close hook. */
  wait(group: string, ms: number, onCancel: (cancel: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.waiting.get(group) ?? new Set<() => void>();
      this.waiting.set(group, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiting.get(group) === waiters) this.waiting.delete(group);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
      onCancel(done);
    });
  }

  wake(group: string): void {
    for (const done of [...(this.waiting.get(group) ?? [])]) done();
  }

  wakeAll(): void {
    for (const group of [...this.waiting.keys()]) this.wake(group);
  }

  get size(): number {
    let count = 0;
    for (const set of this.waiting.values()) count += set.size;
    return count;
  }
}
