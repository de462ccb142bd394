/**
 * Property tests on the test driver: windowed counts equal a brute-force computation over
 * random event-time streams, with records out of order and a grace period.
 *
 * The brute force follows the definitions, not the implementation: stream time is the highest
 * event time seen so far (including the record itself); a record counts in a window holding it
 * if stream time is still below the window's end plus grace when it arrives; a record counted
 * in no window is late.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hopping, TopologyTestDriver, tumbling } from "../../src/streams-testing.js";

interface Event {
  key: string;
  ts: number;
}

// Times on a 500 ms grid, so records land exactly on window bounds and on end + grace often.
const graces = fc.integer({ min: 0, max: 16 }).map((n) => n * 500);
const events = fc.array(
  fc.record({ key: fc.constantFrom("a", "b", "c"), ts: fc.integer({ min: 0, max: 120 }).map((n) => n * 500) }),
  {
    maxLength: 60,
  },
);

function windowsOf(ts: number, size: number, advance: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = ts - (ts % advance); start > ts - size; start -= advance)
    if (start >= 0 || start > ts - size) out.push([start, start + size]);
  return out;
}

function bruteForce(input: Event[], size: number, advance: number, grace: number) {
  const counts = new Map<string, number>();
  let streamTime = Number.NEGATIVE_INFINITY;
  let late = 0;
  for (const { key, ts } of input) {
    streamTime = Math.max(streamTime, ts);
    let counted = false;
    for (const [start, end] of windowsOf(ts, size, advance)) {
      if (streamTime >= end + grace) continue;
      counted = true;
      const id = `${key}@${start}-${end}`;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    if (!counted) late += 1;
  }
  return { counts, late };
}

describe("windowed counts equal the brute force", () => {
  it("emit on close: one final count per key and window, late records counted", async () => {
    await fc.assert(
      fc.asyncProperty(
        events,
        fc.constantFrom(5_000, 10_000),
        fc.constantFrom(1, 2, 5),
        graces,
        async (input, size, hops, graceMs) => {
          const advance = size / hops;
          const driver = new TopologyTestDriver();
          const window =
            hops === 1
              ? tumbling(size, { grace: graceMs, emit: "close" })
              : hopping(size, advance, { grace: graceMs, emit: "close" });
          driver.stream<number>("in").groupByKey().window(window).count().to("out");
          for (const { key, ts } of input) await driver.pipe("in", 1, { key, ts });
          await driver.advanceTime(1_000_000);
          const expected = bruteForce(input, size, advance, graceMs);
          const got = driver.output("out").map((r) => {
            const v = r.value as { start: number; end: number; value: number };
            return [`${r.key}@${v.start}-${v.end}`, v.value] as const;
          });
          expect(new Set(got.map(([id]) => id)).size).toBe(got.length); // each window once
          expect(new Map(got)).toEqual(expected.counts);
          expect(driver.lateRecords).toBe(expected.late);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("emit on update: the last update of each key and window is its count", async () => {
    await fc.assert(
      fc.asyncProperty(events, graces, async (input, graceMs) => {
        const driver = new TopologyTestDriver();
        driver
          .stream<number>("in")
          .groupByKey()
          .window(hopping(10_000, 5_000, { grace: graceMs }))
          .count()
          .to("out");
        for (const { key, ts } of input) await driver.pipe("in", 1, { key, ts });
        const last = new Map<string, number>();
        for (const r of driver.output("out")) {
          const v = r.value as { start: number; end: number; value: number };
          last.set(`${r.key}@${v.start}-${v.end}`, v.value);
        }
        const expected = bruteForce(input, 10_000, 5_000, graceMs);
        expect(last).toEqual(expected.counts);
        expect(driver.lateRecords).toBe(expected.late);
      }),
      { numRuns: 150 },
    );
  });
});
