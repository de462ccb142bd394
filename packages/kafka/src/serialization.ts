/**
 * Record values on the wire. A partition holds JSON record envelopes (docs/kafka-layer.md,
 * "Records"), so a serializer turns a value into the JSON text of the envelope's `value` and a
 * deserializer reads it back. JSON is the default; a schema (zod's `parse`, or any function that
 * returns the value or throws) validates on the way out and on the way in. Any failure is a
 * `SerializationError`, raised before anything is sent.
 */
import { SerializationError } from "./errors.js";

export interface Serializer<T = unknown> {
  /** The JSON text of the record's value. */
  serialize(value: T): string;
}

export interface Deserializer<T = unknown> {
  /** The record's value from its JSON text. */
  deserialize(text: string): T;
}

/** Something that checks a value and returns it (typed) or throws: a zod schema, a validator function. */
export type Schema<T> = { parse(value: unknown): T } | ((value: unknown) => T);

/** JSON both ways, optionally checked by a schema on both sides. */
export function jsonSerializer<T = unknown>(schema?: Schema<T>): Serializer<T> & Deserializer<T> {
  const check = schema === undefined ? (value: unknown) => value as T : checker(schema);
  return {
    serialize(value: T): string {
      const text = JSON.stringify(check(value));
      if (text === undefined) throw new TypeError(`${typeof value} has no JSON form`);
      return text;
    },
    deserialize(text: string): T {
      return check(JSON.parse(text));
    },
  };
}

/** The default: plain JSON. */
export const JSON_SERDE: Serializer & Deserializer = jsonSerializer();

/**
 * Runs `serializer` on `value` and checks that the answer is one JSON value (a custom
 * serializer's text goes into the envelope as it is, so a broken one would fail the batch).
 */
export function serializeValue<T>(serializer: Serializer<T>, value: T, topic: string): string {
  let text: unknown;
  try {
    text = serializer.serialize(value);
    if (typeof text !== "string") throw new TypeError(`serialize() returned ${typeof text}, not a string`);
    if (serializer !== JSON_SERDE) JSON.parse(text);
  } catch (cause) {
    throw serializationError(`A value for topic ${topic} could not be serialized`, cause);
  }
  return text as string;
}

/** Runs `deserializer` on a record's value text; failures are `SerializationError`s. */
export function deserializeValue<T>(deserializer: Deserializer<T>, text: string, where: string): T {
  try {
    return deserializer.deserialize(text);
  } catch (cause) {
    throw serializationError(`The value of ${where} could not be deserialized`, cause);
  }
}

function serializationError(what: string, cause: unknown): SerializationError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new SerializationError("SERIALIZATION_FAILED", `${what}: ${reason}`, { cause });
}

function checker<T>(schema: Schema<T>): (value: unknown) => T {
  if (typeof schema === "function") return schema;
  if (schema !== null && typeof schema === "object" && typeof schema.parse === "function") {
    return (value) => schema.parse(value);
  }
  throw new TypeError("a schema is an object with parse(value) or a function");
}
