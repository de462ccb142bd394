/** The listing's activity table on its own: messages known from creation, the decayed rate, the LRU bound. */
import { describe, expect, test } from "vitest";
import { ActivityTable } from "../../src/features/admin-list/activity.js";

describe("ActivityTable", () => {
  test("counts messages of streams it saw created, and only the rate and last write of others", () => {
    let now = 1_000_000;
    const table = new ActivityTable(() => now);
    table.created("/s/new");
    table.appended("/s/new", 3);
    table.appended("/s/old", 5);
    now += 1000;
    table.appended("/s/new", 2);
    expect(table.of("/s/new")).toMatchObject({ lastWriteAt: now, messages: 5 });
    expect(table.of("/s/old")).toMatchObject({ lastWriteAt: now - 1000, messages: undefined });
    expect(table.of("/s/none")).toBeUndefined();
    table.deleted("/s/new");
    expect(table.of("/s/new")).toBeUndefined();
  });

  test("a steady rate reads as that rate, and decays once writes stop", () => {
    let now = 0;
    const table = new ActivityTable(() => now);
    for (let second = 0; second < 120; second++) {
      for (let i = 0; i < 10; i++) {
        now = second * 1000 + i * 100;
        table.appended("/s", 5);
      }
    }
    expect(table.of("/s")!.messagesPerSecond).toBeGreaterThan(45);
    expect(table.of("/s")!.messagesPerSecond).toBeLessThan(55);
    now += 60_000;
    expect(table.of("/s")!.messagesPerSecond).toBeLessThan(0.2);
  });

  test("keeps the most recently written streams when over capacity", () => {
    const table = new ActivityTable(() => 0, 2);
    table.appended("/a", 1);
    table.appended("/b", 1);
    table.appended("/a", 1);
    table.appended("/c", 1);
    expect([table.of("/a") !== undefined, table.of("/b") !== undefined, table.of("/c") !== undefined]).toEqual([
      true,
      false,
      true,
    ]);
    expect(table.size).toBe(2);
  });

  test("a stream written all along stays while a thousand others come and go", () => {
    const table = new ActivityTable(() => 0, 100);
    for (let i = 0; i < 1000; i++) {
      table.appended("/hot", 1);
      table.appended(`/s${i}`, 1);
    }
    expect(table.of("/hot")?.messages).toBeUndefined(); // not seen created: no exact count
    expect(table.of("/hot")).toBeDefined();
    expect(table.of("/s0")).toBeUndefined();
    expect(table.of("/s999")).toBeDefined();
    expect(table.size).toBe(100);
  });
});
