import { describe, expect, it } from "vitest";
import { Deliveries } from "../src/generators/deliveries.js";
import { FastRecorder } from "../src/measure/fast-recorder.js";
import { jsonBatch, seqsIn } from "../src/payload.js";

describe("seqsIn", () => {
  it("finds every seq of a batch in order, into the array it is given", () => {
    const into = [99, 98];
    expect(seqsIn(`data: ${jsonBatch(3, 64, 1234)}`, into)).toBe(into);
    expect(into).toEqual([1234, 1235, 1236]);
    expect(seqsIn('{"seq":}{"seq":7}')).toEqual([7]);
  });
});

describe("Deliveries", () => {
  it("counts deliveries of expected seqs only, and times them from the intended append", () => {
    const deliveries = new Deliveries(2);
    deliveries.expect(0, 100);
    deliveries.startRecording(0);
    // Past the initial capacity, so the arrays grow.
    deliveries.expect(5000, 200);
    deliveries.delivered([0, 5000, 7], 210);
    deliveries.delivered([0], 300);
    expect(deliveries.receivedBy(0)).toBe(2);
    expect(deliveries.receivedBy(5000)).toBe(1);
    expect(deliveries.receivedBy(7)).toBe(0);
    expect(deliveries.everyoneMs(0)).toBe(200);
    expect(deliveries.everyoneMs(5000)).toBeUndefined();
    const histogram = deliveries.detach();
    expect(histogram.totalCount).toBe(3);
    expect(histogram.maxValue).toBeGreaterThanOrEqual(199_000);
  });
});

describe("FastRecorder", () => {
  it("keeps 10 µs resolution below 10 s and records longer values as they are", () => {
    const recorder = new FastRecorder();
    recorder.record(1.234);
    recorder.record(1.234);
    recorder.record(12_345);
    const histogram = recorder.take();
    expect(histogram.totalCount).toBe(3);
    expect(histogram.getValueAtPercentile(50)).toBeCloseTo(1230, -1);
    expect(histogram.maxValue).toBeGreaterThan(12_000_000);
    expect(recorder.take().totalCount).toBe(0);
  });
});
