/**
 * The last few minutes of samples, taken once per interval whether or not a page is open, so
 * a page opened now charts the minutes before it too. A fixed ring: memory does not grow.
 */
import { type Sample, sampleBetween } from "./sample.js";
import type { Snapshot } from "./snapshot.js";

export class SampleHistory {
  private readonly samples: Sample[] = [];
  private last: Snapshot | undefined;
  private seq = 0;

  constructor(private readonly capacity: number) {}

  /** Adds the interval since the previous snapshot (the first one only sets the baseline). */
  record(snapshot: Snapshot): void {
    if (this.last) {
      this.samples.push(sampleBetween(++this.seq, this.last, snapshot));
      if (this.samples.length > this.capacity) this.samples.shift();
    }
    this.last = snapshot;
  }

  /** Samples with a seq above `after` (all of them without it), oldest first. */
  after(after: number | undefined): Sample[] {
    if (after === undefined) return [...this.samples];
    const first = this.samples.findIndex((sample) => sample.seq > after);
    return first === -1 ? [] : this.samples.slice(first);
  }
}
