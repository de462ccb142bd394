/** Notices on the wire: coalescing a batch per path, packing it under the NOTIFY limit, and reading it back. */
import { describe, expect, test } from "vitest";
import {
  coalesce,
  decodePayload,
  encodePayloads,
  gapPayload,
  MAX_PAYLOAD_BYTES,
} from "../../src/cluster/change-feed/payload.js";
import type { StreamChange } from "../../src/cluster/change-feed/types.js";

const flags = { closed: false, deleted: false, created: false, trimmed: false };

describe("coalescing", () => {
  test("many changes to one path become one entry with the latest tail and every kind seen", () => {
    const merged = coalesce([
      { path: "/a", tail: 5, created: true },
      { path: "/b", tail: 1 },
      { path: "/a", tail: 9 },
      { path: "/a", tail: 12, closed: true },
    ]);
    expect(merged).toEqual([
      { path: "/a", tail: 12, closed: true, deleted: false, created: true, trimmed: false },
      { path: "/b", tail: 1 },
    ]);
  });

  test("a closure followed by a re-create is not reported as closed", () => {
    const [merged] = coalesce([
      { path: "/a", tail: 3, closed: true },
      { path: "/a", tail: 0, deleted: true },
      { path: "/a", tail: 4, created: true },
    ]);
    expect(merged).toMatchObject({ tail: 4, closed: false, deleted: true, created: true });
  });
});

describe("payloads", () => {
  test("a batch round-trips through one payload", () => {
    const changes: StreamChange[] = [
      { path: "/s/ü", tail: 7, closed: true },
      { path: "/s/x", tail: 0, deleted: true },
      { path: "/s/y", tail: 3, created: true, trimmed: true },
    ];
    const payloads = encodePayloads("node-1", changes);
    expect(payloads).toHaveLength(1);
    expect(decodePayload(payloads[0]!)).toEqual({
      node: "node-1",
      changes: [
        { ...flags, path: "/s/ü", tail: 7, closed: true },
        { ...flags, path: "/s/x", tail: 0, deleted: true },
        { ...flags, path: "/s/y", tail: 3, created: true, trimmed: true },
      ],
    });
  });

  test("a batch too large for one payload is split, every payload under the limit in UTF-8 bytes, nothing lost", () => {
    const changes = Array.from({ length: 2000 }, (_, i) => ({ path: `/v1/stream/ström-${i}`, tail: i * 1000 }));
    const payloads = encodePayloads("n", changes);
    expect(payloads.length).toBeGreaterThan(1);
    expect(payloads.length).toBeLessThan(20);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const decoded = payloads.flatMap((p) => {
      const notice = decodePayload(p);
      return "changes" in notice ? notice.changes : [];
    });
    expect(decoded.map((c) => [c.path, c.tail])).toEqual(changes.map((c) => [c.path, c.tail]));
  });

  test("a path too long for any payload is sent as a gap (receivers re-check), the others as changes", () => {
    const payloads = encodePayloads("n", [
      { path: `/${"x".repeat(9000)}`, tail: 1 },
      { path: "/short", tail: 2 },
    ]);
    expect(payloads.map(decodePayload)).toEqual([
      { node: "n", changes: [{ ...flags, path: "/short", tail: 2 }] },
      { node: "n", gap: true },
    ]);
  });

  test("a payload that cannot be read is a gap", () => {
    expect(decodePayload("not json")).toEqual({ node: undefined, gap: true });
    expect(decodePayload("42")).toEqual({ node: undefined, gap: true });
    expect(decodePayload('{"c":[]}')).toEqual({ node: undefined, gap: true });
    expect(decodePayload('{"n":"a","c":[["/p","7",0]]}')).toEqual({ node: "a", gap: true });
    expect(decodePayload('{"n":"a","c":[["/p",7]]}')).toEqual({ node: "a", gap: true });
    expect(decodePayload(gapPayload("a"))).toEqual({ node: "a", gap: true });
  });
});
