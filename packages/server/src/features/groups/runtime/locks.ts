/**
 * Per-group locks for commits prepared inside a transaction: from the moment such a commit is
 * checked until the transaction is settled, nothing else may change the group (a heartbeat
 * moving the partition to another member, a plain commit, a reset), or the check would no
 * longer hold when the commit lands. Decisions are synchronous, so they only wait until the
 * group is free and then run in the same step; only a prepared commit holds a lock.
 */
export class GroupLocks {
  private readonly locks = new Map<string, Promise<void>>();

  /** While `group` is locked, what resolves when it is released; wait for it and ask again. */
  held(group: string): Promise<void> | undefined {
    return this.locks.get(group);
  }

  /** Takes the lock of `group` once it is free; resolves with the function that releases it (once). */
  async take(group: string): Promise<() => void> {
    for (let held = this.locks.get(group); held; held = this.locks.get(group)) await held;
    let release!: () => void;
    const lock = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.locks.set(group, lock);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.locks.delete(group);
      release();
    };
  }
}
