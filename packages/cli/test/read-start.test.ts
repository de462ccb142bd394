/**
 * Where `rivulet read` starts, as pure logic: --since and --at as `{ at }`, and the search for
 * the last messages by seq over append times, against streams described as lists of append
 * times (one lookup answers the first message at or after a time, as `HEAD ?at=` does).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type LookupAt, startOfLast } from "../src/read/last-messages.js";
import { parseTime, startOffset } from "../src/read/start-flags.js";

/** A stream whose message `seq` was appended at `times[seq - first]`; earlier ones were dropped. */
function streamOf(times: number[], first = 0) {
  let lookups = 0;
  const lookup: LookupAt = async (time) => {
    lookups++;
    const index = times.findIndex((t) => t >= time);
    const seq = index === -1 ? first + times.length : first + index;
    return { offset: `offset-${seq}`, seq };
  };
  return { lookup, nextSeq: first + times.length, lookups: () => lookups };
}

/** What a read from `start` prints: the seqs from its offset on, without those before firstSeq. */
function printed(start: { offset: string; firstSeq: number }, nextSeq: number): number[] {
  const from = Number(start.offset.slice("offset-".length));
  return Array.from({ length: nextSeq - from }, (_, i) => from + i).filter((seq) => seq >= start.firstSeq);
}

describe("the last messages", () => {
  it("finds where the last n begin, messages one per millisecond", async () => {
    const times = Array.from({ length: 1000 }, (_, i) => 1_700_000_000_000 + i * 7);
    const stream = streamOf(times);
    const start = await startOfLast(stream.lookup, stream.nextSeq, 10, times.at(-1)! + 5_000);
    expect(printed(start, stream.nextSeq)).toEqual(Array.from({ length: 10 }, (_, i) => 990 + i));
    expect(start.offset).toBe("offset-990");
    // A search, not a scan: far fewer lookups than messages.
    expect(stream.lookups()).toBeLessThan(80);
  });

  it("messages of one millisecond are read from the first of them and skipped up to the n-th last", async () => {
    const times = [10, 20, 20, 20, 20, 30];
    const stream = streamOf(times);
    const start = await startOfLast(stream.lookup, stream.nextSeq, 3, 1_000);
    expect(start).toEqual({ offset: "offset-1", firstSeq: 3 });
    expect(printed(start, stream.nextSeq)).toEqual([3, 4, 5]);
  });

  it("fewer messages retained than asked for: all of them, from the earliest", async () => {
    const stream = streamOf([5, 6, 7], 40);
    expect(await startOfLast(stream.lookup, stream.nextSeq, 10, 100)).toEqual({ offset: "offset-40", firstSeq: 40 });
  });

  it("a server clock ahead of this one's: the search looks later than now", async () => {
    const times = Array.from({ length: 50 }, (_, i) => 10_000 + i);
    const stream = streamOf(times);
    const start = await startOfLast(stream.lookup, stream.nextSeq, 5, 1_000);
    expect(printed(start, stream.nextSeq)).toEqual([45, 46, 47, 48, 49]);
  });

  it("for any stream, count and clock: exactly the last n retained messages", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 0, max: 5_000 }),
        async (gaps, first, count, now) => {
          let time = 1_000;
          const times = gaps.map((gap) => (time += gap));
          const stream = streamOf(times, first);
          const start = await startOfLast(stream.lookup, stream.nextSeq, count, now);
          const all = Array.from({ length: times.length }, (_, i) => first + i);
          expect(printed(start, stream.nextSeq)).toEqual(all.slice(-count));
        },
      ),
    );
  });
});

describe("--since and --at", () => {
  it("--since counts back from now; --at is taken as it is; otherwise --from", () => {
    expect(startOffset({ from: "-1", since: 7_200_000 }, 10_000_000)).toEqual({ at: 2_800_000 });
    expect(startOffset({ from: "-1", since: 7_200_000 }, 1_000)).toEqual({ at: 0 });
    expect(startOffset({ from: "-1", at: 42 })).toEqual({ at: 42 });
    expect(startOffset({ from: "now" })).toBe("now");
  });

  it("--at takes RFC 3339 or ms since the epoch, and nothing else", () => {
    expect(parseTime("2026-11-30T09:00:00Z")).toBe(Date.UTC(2026, 10, 30, 9));
    expect(parseTime("2026-11-30T10:00:00+01:00")).toBe(Date.UTC(2026, 10, 30, 9));
    expect(parseTime("1764493200000")).toBe(1_764_493_200_000);
    for (const bad of ["yesterday", "2026-11-30", "-5", "1.5", ""]) {
      expect(() => parseTime(bad)).toThrow(/not a time/);
    }
  });
});
