/** The count check of scenario 13's consumer half: seq ranges from every member against a partition's record count. */
import { describe, expect, it } from "vitest";
import { coverage } from "../src/scenarios/s13-consume.js";

describe("coverage", () => {
  it("counts a partition consumed exactly once, over several members' ranges", () => {
    expect(
      coverage(
        [
          [40, 99],
          [0, 39],
        ],
        100,
      ),
    ).toEqual({ distinct: 100, consumed: 100, outside: false });
  });

  it("counts records consumed twice (a partition moved before its last commit) once as distinct", () => {
    expect(
      coverage(
        [
          [0, 59],
          [50, 99],
        ],
        100,
      ),
    ).toEqual({ distinct: 100, consumed: 110, outside: false });
  });

  it("finds a gap", () => {
    expect(
      coverage(
        [
          [0, 49],
          [51, 99],
        ],
        100,
      ),
    ).toEqual({ distinct: 99, consumed: 99, outside: false });
  });

  it("flags seqs beyond the partition's count, and an untouched partition", () => {
    expect(coverage([[0, 100]], 100)).toEqual({ distinct: 100, consumed: 101, outside: true });
    expect(coverage([], 5)).toEqual({ distinct: 0, consumed: 0, outside: false });
  });

  it("counts a range nested inside another as duplicates", () => {
    expect(
      coverage(
        [
          [0, 99],
          [10, 20],
        ],
        100,
      ),
    ).toEqual({ distinct: 100, consumed: 111, outside: false });
  });
});
