/** Reused response-body buffers: what comes back is handed out again, within bounds. */
import { describe, expect, test } from "vitest";
import { giveBodyBuffer, takeBodyBuffer } from "../../src/engine/body-buffers.js";

// Identity checks as booleans: a failing toBe on two large buffers would print both.
describe("body buffers", () => {
  test("a buffer given back serves the next request it is large enough for", () => {
    const first = takeBodyBuffer(3000);
    expect(first.length).toBeGreaterThanOrEqual(3000);
    giveBodyBuffer(first);
    expect(takeBodyBuffer(5000) === first).toBe(false);
    expect(takeBodyBuffer(2000) === first).toBe(true);
    // Taken: not handed out twice.
    expect(takeBodyBuffer(2000) === first).toBe(false);
  });

  test("very large buffers are not kept, and a full pool keeps the larger ones", () => {
    const huge = takeBodyBuffer(16 << 20);
    giveBodyBuffer(huge);
    expect(takeBodyBuffer(16 << 20) === huge).toBe(false);

    const small = Array.from({ length: 4 }, () => takeBodyBuffer(100));
    for (const buffer of small) giveBodyBuffer(buffer);
    const large = takeBodyBuffer(1 << 20);
    giveBodyBuffer(large);
    expect(takeBodyBuffer(1 << 20) === large).toBe(true);
    // One small buffer was dropped to keep the large one: three of them are left.
    const left = [takeBodyBuffer(100), takeBodyBuffer(100), takeBodyBuffer(100), takeBodyBuffer(100)];
    expect(left.filter((b) => small.includes(b))).toHaveLength(3);
  });
});
