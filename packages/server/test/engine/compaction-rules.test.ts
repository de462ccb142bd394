/** The compaction rules (engine/compaction-rules.ts), one by one. */
import { describe, expect, test } from "vitest";
import { decide, KeyIndex } from "../../src/engine/compaction-rules.js";

const at = (key: string, position: number, tombstone = false, ts = 0) => ({ key, position, tombstone, ts });

describe("compaction rules", () => {
  test("a record goes once a later record of its key exists; the latest stays", () => {
    const keys = new KeyIndex();
    keys.see("a", 0, true);
    keys.see("b", 10, true);
    keys.see("a", 20, true);
    expect(decide(at("a", 0), keys, 0, 100)).toEqual({ remove: true });
    expect(decide(at("a", 20), keys, 0, 100)).toEqual({ remove: false });
    expect(decide(at("b", 10), keys, 0, 100)).toEqual({ remove: false });
    expect(keys.size).toBe(2);
  });

  test("a latest tombstone stays for the delay, then goes", () => {
    const keys = new KeyIndex();
    keys.see("a", 0, true);
    keys.see("a", 20, true);
    expect(decide(at("a", 20, true, 1000), keys, 1099, 100)).toEqual({ remove: false, expires: 1100 });
    expect(decide(at("a", 20, true, 1000), keys, 1100, 100)).toEqual({ remove: true });
    // A superseded tombstone goes at once.
    keys.see("a", 40, true);
    expect(decide(at("a", 20, true, 1000), keys, 0, 100)).toEqual({ remove: true });
  });

  test("a tombstone whose key keeps an older record that can never go stays for good", () => {
    const keys = new KeyIndex();
    keys.see("a", 0, false); // straddles a unit boundary
    keys.see("a", 20, true);
    expect(keys.isPinned("a")).toBe(true);
    expect(decide(at("a", 20, true, 0), keys, 10_000, 100)).toEqual({ remove: false });
    // The unremovable record is the latest: nothing pins the key.
    const other = new KeyIndex();
    other.see("b", 0, true);
    other.see("b", 20, false);
    expect(other.isPinned("b")).toBe(false);
    expect(decide(at("b", 0), other, 0, 100)).toEqual({ remove: true });
  });
});
