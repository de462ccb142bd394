/** Lease decisions: deadlines from the send time, epochs as fencing tokens, when work stops and starts. */
import { describe, expect, test } from "vitest";
import {
  checkTiming,
  DEFAULT_LEASE_TIMING,
  expire,
  interpret,
  type LeaseView,
  transition,
} from "../../src/cluster/leases/lease-math.js";

const timing = { ttlMs: 5_000, renewEveryMs: 1_000, safetyMs: 1_500 };
const held = (epoch: number, deadline = 10_000): LeaseView => ({ kind: "held", epoch, deadline });
const other: LeaseView = { kind: "other", holder: "b", epoch: 3, url: "http://b" };
const unknown: LeaseView = { kind: "unknown" };

describe("lease math", () => {
  test("the holder's deadline counts from when the renewal was sent, minus the safety margin", () => {
    expect(interpret({ holder: "a", epoch: 4, url: undefined }, "a", 100, timing)).toEqual(held(4, 3_600));
  });

  test("someone else's row names the holder and where to reach it; no row is unknown", () => {
    expect(interpret({ holder: "b", epoch: 3, url: "http://b" }, "a", 0, timing)).toEqual(other);
    expect(interpret(undefined, "a", 0, timing)).toEqual(unknown);
  });

  test("work starts on taking the lease and stops on losing it", () => {
    expect(transition(unknown, held(1))).toEqual({ stop: false, start: true });
    expect(transition(other, held(4))).toEqual({ stop: false, start: true });
    expect(transition(held(1), other)).toEqual({ stop: true, start: false });
    expect(transition(held(1), unknown)).toEqual({ stop: true, start: false });
    expect(transition(other, unknown)).toEqual({ stop: false, start: false });
  });

  test("a renewal at the same epoch keeps the work; a new epoch restarts it under the new token", () => {
    expect(transition(held(2, 1), held(2, 9))).toEqual({ stop: false, start: false });
    expect(transition(held(2), held(3))).toEqual({ stop: true, start: true });
  });

  test("a held lease is lost at its local deadline, not before", () => {
    expect(expire(held(1, 500), 499)).toEqual(held(1, 500));
    expect(expire(held(1, 500), 500)).toEqual(unknown);
    expect(expire(other, 1e12)).toEqual(other);
  });

  test("timings must leave room for two renewals before the holder's deadline", () => {
    expect(() => checkTiming(DEFAULT_LEASE_TIMING)).not.toThrow();
    expect(() => checkTiming({ ttlMs: 2_000, renewEveryMs: 1_000, safetyMs: 500 })).toThrow(/two renewals/);
    expect(() => checkTiming({ ttlMs: 2_000, renewEveryMs: 0, safetyMs: 0 })).toThrow(/positive/);
  });
});
