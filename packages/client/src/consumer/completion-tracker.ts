/**
 * Which position may be checkpointed when work finishes out of order: the newest position
 * that has no unfinished item before it. Items are numbered in the order they were read;
 * positions (offsets) are marked between them as reads deliver them. A crash then never
 * skips unfinished work: a restart from the checkpoint re-reads everything not yet finished
 * (and, at worst, some finished items after it again).
 *
 * Pure: no I/O, no timers. The same "lowest contiguous completed offset" logic serves any
 * consumer that hands out work in order and sees it finish in any order.
 */
export class CompletionTracker<P> {
  #added = 0;
  /** Every item below this number is finished. */
  #lowestUnfinished = 0;
  /** Finished items at or above `lowestUnfinished`. */
  readonly #finishedAhead = new Set<number>();
  /**
   * Positions not yet taken, oldest first, each after the items numbered below its end: two
   * arrays side by side rather than an object per mark, since a consumer marks every record.
   */
  readonly #markEnds: number[] = [];
  readonly #markPositions: P[] = [];

  /** Every item numbered below this one is finished. */
  get lowestUnfinished(): number {
    return this.#lowestUnfinished;
  }

  /** Items added but not finished. */
  get unfinished(): number {
    return this.#added - this.#lowestUnfinished - this.#finishedAhead.size;
  }

  /** Registers `count` items in read order; returns the number of the first (the rest follow it). */
  add(count: number): number {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`Cannot add ${count} items`);
    const first = this.#added;
    this.#added += count;
    return first;
  }

  /** A position that lies after every item added so far. */
  mark(position: P): void {
    this.#markEnds.push(this.#added);
    this.#markPositions.push(position);
  }

  /** Item `item` is finished (finishing it again changes nothing). */
  finish(item: number): void {
    if (!Number.isSafeInteger(item) || item < 0 || item >= this.#added) throw new RangeError(`No item ${item}`);
    if (item < this.#lowestUnfinished) return;
    // In-order finishing, the common case, moves the boundary without touching the set.
    if (item === this.#lowestUnfinished) this.#lowestUnfinished++;
    else this.#finishedAhead.add(item);
    while (this.#finishedAhead.size > 0 && this.#finishedAhead.delete(this.#lowestUnfinished)) this.#lowestUnfinished++;
  }

  /**
   * The newest position with every item before it finished, if one was marked since the last
   * take(); older ones are passed over, since the newest covers them.
   */
  take(): P | undefined {
    let ready: P | undefined;
    while (this.#markEnds.length > 0 && this.#markEnds[0]! <= this.#lowestUnfinished) {
      this.#markEnds.shift();
      ready = this.#markPositions.shift();
    }
    return ready;
  }
}
