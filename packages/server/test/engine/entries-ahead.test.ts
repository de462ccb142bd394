/**
 * Index entries looked up ahead for a records reader catching up (engine/entries-ahead.ts):
 * handed out once, for exactly the stream and start they were looked up for, and never when the
 * chunk asked for reaches past them or the lookup failed.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { beginEntries, forgetEntries, MAX_HELD, takeEntries } from "../../src/engine/entries-ahead.js";
import type { StreamState } from "../../src/engine/stream-state.js";
import type { IndexEntry } from "../../src/store/types.js";

const stream = {} as StreamState;
const other = {} as StreamState;
const entry = (position: number, seq: number): IndexEntry => ({ position, seq, ts: 1000 + seq }) as IndexEntry;
const entries = [entry(90, 9), entry(100, 10), entry(150, 15), entry(190, 19)];

afterEach(() => forgetEntries());

describe("entries looked up ahead", () => {
  test("handed out once, for their stream and start, without the entries past the chunk's end", async () => {
    beginEntries(stream, 100, 200, () => Promise.resolve(entries));
    expect(await takeEntries(other, 100, 200)).toBeUndefined();
    expect(await takeEntries(stream, 101, 200)).toBeUndefined();
    expect(await takeEntries(stream, 100, 180)).toEqual(entries.slice(0, 3));
    expect(await takeEntries(stream, 100, 180)).toBeUndefined();
  });

  test("a chunk that grew past the range looked up takes none", async () => {
    beginEntries(stream, 100, 200, () => Promise.resolve(entries));
    expect(await takeEntries(stream, 100, 201)).toBeUndefined();
  });

  test("a failed lookup is taken as none (the reader looks up again), never as an unhandled rejection", async () => {
    beginEntries(stream, 100, 200, () => Promise.reject(new Error("EIO")));
    expect(await takeEntries(stream, 100, 200)).toBeUndefined();
  });

  test("a start already held, or no free place among fresh lookups, begins no lookup", () => {
    const lookup = vi.fn(() => Promise.resolve(entries));
    beginEntries(stream, 100, 200, lookup);
    beginEntries(stream, 100, 200, lookup);
    expect(lookup).toHaveBeenCalledTimes(1);
    for (let i = 1; i < MAX_HELD; i++) beginEntries(stream, 100 + i, 200, lookup);
    expect(lookup).toHaveBeenCalledTimes(MAX_HELD);
    beginEntries(other, 0, 200, lookup);
    expect(lookup).toHaveBeenCalledTimes(MAX_HELD);
  });
});
