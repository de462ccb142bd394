import { type ErrorCode, ProtocolError } from "@rivulet/protocol";
import { expect } from "vitest";

/** Runs `fn`, expects it to throw a ProtocolError with `code`, and returns the error. */
export function expectProtocolError(fn: () => unknown, code: ErrorCode): ProtocolError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ProtocolError);
  expect((thrown as ProtocolError).code).toBe(code);
  return thrown as ProtocolError;
}
