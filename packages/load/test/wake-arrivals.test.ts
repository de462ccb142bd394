/** Which acknowledged appends a wake covers, and the latency each one is given (scenario 8's bookkeeping). */
import { describe, expect, test } from "vitest";
import { WakeArrivals } from "../src/generators/webhooks/wake-arrivals.js";

const offset = (n: number) => `0000000000000000_${String(n).padStart(16, "0")}`;

describe("WakeArrivals", () => {
  test("a wake covers every append of its streams up to the tail it names, each once, from its acknowledgement", () => {
    const arrivals = new WakeArrivals();
    arrivals.startWindow();
    arrivals.acked("a", offset(10), 100);
    arrivals.acked("a", offset(20), 110);
    arrivals.acked("a", offset(30), 120);
    arrivals.acked("b", offset(10), 105);
    expect(arrivals.waiting).toBe(4);

    // Names a up to 20 (not 30) and b: three appends delivered.
    arrivals.woke(
      [
        { path: "a", tail: offset(20) },
        { path: "b", tail: offset(10) },
      ],
      150,
    );
    expect(arrivals.waiting).toBe(1);
    // A redelivery of the same tails covers nothing new but is a wake.
    arrivals.woke([{ path: "a", tail: offset(20) }], 160);
    arrivals.woke([{ path: "a", tail: offset(30) }], 200);

    const { histogram, counts } = arrivals.window();
    expect(counts).toMatchObject({ acked: 4, delivered: 4, beforeAck: 0, wakes: 3, waiting: 0 });
    expect(counts.lastAckAt).toBe(120);
    expect(counts.lastDeliveryAt).toBe(200);
    // 150-100, 150-110, 150-105, 200-120 ms (in µs).
    expect(histogram.totalCount).toBe(4);
    expect(histogram.minNonZeroValue).toBeCloseTo(40_000, -2);
    expect(histogram.maxValue).toBeCloseTo(80_000, -2);
  });

  test("offsets compare as strings of equal width, so 10 is past 9", () => {
    const arrivals = new WakeArrivals();
    arrivals.startWindow();
    arrivals.acked("a", offset(10), 0);
    arrivals.woke([{ path: "a", tail: offset(9) }], 5);
    expect(arrivals.waiting).toBe(1);
    arrivals.woke([{ path: "a", tail: offset(10) }], 7);
    expect(arrivals.waiting).toBe(0);
  });

  test("a wake that overtakes the append's answer delivers it at its acknowledgement: 0 ms, counted apart", () => {
    const arrivals = new WakeArrivals();
    arrivals.startWindow();
    arrivals.woke([{ path: "a", tail: offset(50) }], 100);
    arrivals.acked("a", offset(50), 101);
    // Past what the wake named: still waiting.
    arrivals.acked("a", offset(60), 102);
    const { histogram, counts } = arrivals.window();
    expect(counts).toMatchObject({ acked: 2, delivered: 1, beforeAck: 1, wakes: 1, waiting: 1 });
    expect(histogram.maxValue).toBeLessThanOrEqual(1);
  });

  test("each window starts afresh; what a wake named stays known across windows", () => {
    const arrivals = new WakeArrivals();
    arrivals.startWindow();
    arrivals.acked("a", offset(10), 0);
    arrivals.acked("b", offset(10), 0);
    arrivals.woke([{ path: "a", tail: offset(10) }], 10);
    expect(arrivals.window().counts).toMatchObject({ delivered: 1, waiting: 1 });

    arrivals.startWindow();
    expect(arrivals.waiting).toBe(0);
    expect(arrivals.window().counts).toMatchObject({ acked: 0, delivered: 0, wakes: 0 });
    expect(arrivals.window().counts.lastDeliveryAt).toBeNaN();
    arrivals.acked("a", offset(10), 20);
    expect(arrivals.window().counts).toMatchObject({ acked: 1, delivered: 1, beforeAck: 1 });
  });
});
