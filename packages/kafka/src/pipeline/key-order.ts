/**
 * Per-key order: work on a key starts only after the work before it on any of its keys
 * finished. A batch has several keys and waits for all of them. Entries are only ever made in
 * the order the work must happen, so waiting is always on earlier work: no cycle, no deadlock.
 */
export class KeyOrder {
  readonly #last = new Map<string, Promise<void>>();

  /**
   * Registers work on `keys` that is over when `done` resolves (it must never reject), and
   * answers when that work may start.
   */
  enter(keys: Iterable<string>, done: Promise<void>): Promise<void> {
    const before: Promise<void>[] = [];
    for (const key of new Set(keys)) {
      const previous = this.#last.get(key);
      if (previous !== undefined) before.push(previous);
      this.#last.set(key, done);
      void done.then(() => {
        if (this.#last.get(key) === done) this.#last.delete(key);
      });
    }
    return before.length === 0 ? Promise.resolve() : Promise.all(before).then(() => {});
  }
}

/** A promise and the function that resolves it. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
