import { describe, expect, it } from "vitest";
import { deserializeValue, jsonSerializer, SerializationError, serializeValue } from "../src/index.js";

const positive = {
  parse(value: unknown): number {
    if (typeof value !== "number" || value <= 0) throw new Error("must be a positive number");
    return value;
  },
};

describe("serialization", () => {
  it("JSON by default; a schema checks values on the way out and in", () => {
    const plain = jsonSerializer();
    expect(plain.serialize({ a: [1, "b"] })).toBe('{"a":[1,"b"]}');
    expect(plain.deserialize('{"a":1}')).toEqual({ a: 1 });

    const checked = jsonSerializer(positive);
    expect(serializeValue(checked, 5, "t")).toBe("5");
    expect(() => serializeValue(checked, -1, "t")).toThrow(SerializationError);
    expect(deserializeValue(checked, "7", "t/0@3")).toBe(7);
    expect(() => deserializeValue(checked, "0", "t/0@3")).toThrow(
      expect.objectContaining({ code: "SERIALIZATION_FAILED", message: expect.stringContaining("t/0@3") }),
    );
    // A validator function works as a schema too.
    const fn = jsonSerializer((value) => String(value));
    expect(fn.serialize(12 as never)).toBe('"12"');
  });

  it("turns every failure into SerializationError: no JSON form, a custom serializer's bad text, bad input", () => {
    const plain = jsonSerializer();
    for (const value of [undefined, () => 1, 10n]) {
      expect(() => serializeValue(plain, value, "t")).toThrow(SerializationError);
    }
    expect(() => serializeValue({ serialize: () => "{" }, 1, "t")).toThrow(SerializationError);
    expect(() => serializeValue({ serialize: () => 5 as never }, 1, "t")).toThrow(SerializationError);
    expect(() => deserializeValue(plain, "{oops", "t/0@0")).toThrow(SerializationError);
    expect(() => jsonSerializer({} as never)).toThrow(TypeError);
  });
});
