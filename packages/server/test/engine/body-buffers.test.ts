/** Reused response-body buffers: what comes back is handed out again, within bounds. */
import { describe, expect, test } from "vitest";
import { BodyBufferPool } from "../../src/engine/body-buffers.js";

// Identity checks as booleans: a failing toBe on two large buffers would print both.
describe("body buffers", () => {
  test("a buffer given back serves the next request it is large enough for", () => {
    const pool = new BodyBufferPool();
    const first = pool.take(3000);
    expect(first.length).toBeGreaterThanOrEqual(3000);
    pool.give(first);
    expect(pool.take(5000) === first).toBe(false);
    expect(pool.take(2000) === first).toBe(true);
    // Taken: not handed out twice.
    expect(pool.take(2000) === first).toBe(false);
  });

  test("very large buffers are not kept, and a full pool keeps the larger ones", () => {
    const pool = new BodyBufferPool();
    const huge = pool.take(16 << 20);
    pool.give(huge);
    expect(pool.take(16 << 20) === huge).toBe(false);

    const small = Array.from({ length: 4 }, () => pool.take(100));
    for (const buffer of small) pool.give(buffer);
    const large = pool.take(1 << 20);
    pool.give(large);
    expect(pool.take(1 << 20) === large).toBe(true);
    // One small buffer was dropped to keep the large one: three of them are left.
    const left = [pool.take(100), pool.take(100), pool.take(100), pool.take(100)];
    expect(left.filter((b) => small.includes(b))).toHaveLength(3);
  });
});
