/**
 * The completion tracker behind consumer checkpoints: examples, then properties. Reads
 * deliver chunks of items in order while handlers finish items in any order; a crash can
 * come at any moment. The checkpoint must never pass an unfinished item, must never move
 * back, and must reach the last position once everything is finished.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CompletionTracker } from "../src/consumer/completion-tracker.js";

describe("CompletionTracker examples", () => {
  it("checkpoints only up to the lowest unfinished item", () => {
    const tracker = new CompletionTracker<string>();
    const a = tracker.add(2); // items 0, 1
    tracker.mark("after-a");
    const b = tracker.add(1); // item 2
    tracker.mark("after-b");
    expect(tracker.take()).toBeUndefined();
    tracker.finish(b);
    expect(tracker.take()).toBeUndefined(); // item 0 and 1 are not finished
    tracker.finish(a + 1);
    expect(tracker.take()).toBeUndefined();
    tracker.finish(a);
    expect(tracker.take()).toBe("after-b"); // the newest covers the older one
    expect(tracker.take()).toBeUndefined(); // nothing new since
    expect(tracker.unfinished).toBe(0);
  });

  it("a position with no items before it is ready at once; items may be finished twice", () => {
    const tracker = new CompletionTracker<number>();
    tracker.mark(1);
    expect(tracker.take()).toBe(1);
    const item = tracker.add(1);
    tracker.mark(2);
    tracker.finish(item);
    tracker.finish(item);
    expect(tracker.take()).toBe(2);
  });

  it("refuses unknown items and impossible counts", () => {
    const tracker = new CompletionTracker<string>();
    expect(() => tracker.finish(0)).toThrow(RangeError);
    expect(() => tracker.add(-1)).toThrow(RangeError);
    expect(() => tracker.add(1.5)).toThrow(RangeError);
  });
});

/** A run: chunks of items read in order, interleaved with handlers finishing pending items in any order. */
const runs = fc.record({
  chunks: fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 25 }),
  /** Each step reads the next chunk (when the choice is 0 or nothing is pending) or finishes a pending item. */
  steps: fc.array(fc.nat({ max: 1_000 }), { minLength: 0, maxLength: 200 }),
});

describe("CompletionTracker properties", () => {
  it("random completion orders and crashes never checkpoint past an unfinished item", () => {
    fc.assert(
      fc.property(runs, ({ chunks, steps }) => {
        const tracker = new CompletionTracker<number>();
        const chunkOfItem: number[] = [];
        const finished = new Set<number>();
        const pending: number[] = [];
        let read = 0;
        let checkpoint = -1;
        const readNext = () => {
          const first = tracker.add(chunks[read]!);
          for (let i = 0; i < chunks[read]!; i++) {
            chunkOfItem[first + i] = read;
            pending.push(first + i);
          }
          tracker.mark(read);
          read++;
        };
        // A crash may come after any step: the invariant is checked after each one.
        const check = () => {
          const taken = tracker.take();
          if (taken !== undefined) {
            expect(taken).toBeGreaterThan(checkpoint); // never moves back
            checkpoint = taken;
          }
          for (let item = 0; item < chunkOfItem.length; item++) {
            if (chunkOfItem[item]! <= checkpoint) expect(finished.has(item)).toBe(true);
          }
          expect(tracker.unfinished).toBe(pending.length);
          // Every item below it finished, and it is the first that is not (or the next to come).
          expect(tracker.lowestUnfinished).toBe(pending.length > 0 ? Math.min(...pending) : chunkOfItem.length);
        };
        for (const step of steps) {
          if ((step % 3 === 0 || pending.length === 0) && read < chunks.length) readNext();
          else if (pending.length > 0) {
            const [item] = pending.splice(step % pending.length, 1);
            finished.add(item!);
            tracker.finish(item!);
          }
          check();
        }
        // Without a crash everything is read and finished at last: the checkpoint reaches the end.
        while (read < chunks.length) readNext();
        for (const item of pending.splice(0)) {
          finished.add(item);
          tracker.finish(item);
        }
        check();
        expect(checkpoint).toBe(chunks.length - 1);
      }),
      { numRuns: 500 },
    );
  });
});
