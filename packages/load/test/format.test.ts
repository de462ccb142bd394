/** How figures read: one implementation each, for `rivulet bench` and the suite's report. */
import {
  bytes,
  count,
  DASH,
  growthPer,
  megabytesPerSecond,
  ms,
  percent,
  perSecond,
  shortCount,
  shortPerSecond,
  spread,
  spreadOf,
  times,
} from "@rivulet/load";
import { describe, expect, test } from "vitest";

describe("figures", () => {
  test("latencies keep three significant digits, then whole milliseconds, then seconds", () => {
    expect([0.1234, 12.34, 123.4, 12_345].map(ms)).toEqual(["0.12 ms", "12.3 ms", "123 ms", "12.3 s"]);
  });

  test("sizes and throughput in powers of ten", () => {
    expect([512, 12_345, 1.5e6, 2.25e9].map(bytes)).toEqual(["512 B", "12.3 KB", "1.5 MB", "2.25 GB"]);
    expect([42.42, 512.4].map(megabytesPerSecond)).toEqual(["42.4 MB/s", "512 MB/s"]);
    expect(percent(87.6)).toBe("88%");
  });

  test("counts in full digits for terminals, short for the report's wide tables", () => {
    expect([count(16_100), perSecond(1_234_567.8)]).toEqual(["16,100", "1,234,568/s"]);
    expect([42, 1_234, 16_100, 2_500_000].map(shortCount)).toEqual(["42", "1.23k", "16.1k", "2.50M"]);
    expect(shortPerSecond(30_000)).toBe("30.0k/s");
  });

  test("RSS growth per unit: a fall is said, not printed as a negative size", () => {
    expect([growthPer(-4096), growthPer(2458)]).toEqual(["RSS fell", "2458 B"]);
  });

  test("runs as median (min–max); ratios", () => {
    expect(spreadOf(spread([5, 1, 3]), String)).toBe("3 (1–5)");
    expect(spreadOf(spread([7]), String)).toBe("7");
    expect([times(2.5), times(12.4)]).toEqual(["2.50×", "12×"]);
  });

  test("what was not measured reads as a dash", () => {
    const missing = Number.NaN;
    for (const format of [ms, bytes, megabytesPerSecond, percent, count, perSecond, shortCount, shortPerSecond, times])
      expect(format(missing)).toBe(DASH);
  });
});
