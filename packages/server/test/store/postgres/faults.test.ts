/** Which database failures are transient (503 + Retry-After) and which stay what they are. */
import { isTransient, StoreConflictError, StoreUnavailableError } from "@rivulet/server";
import { describe, expect, test } from "vitest";
import { storeFault } from "../../../src/store/postgres/faults.js";

const withCode = (code: string, message = "failed") => Object.assign(new Error(message), { code });

describe("transient database faults", () => {
  test("shutdowns, connection classes, refused or reset sockets and connect timeouts are transient", () => {
    for (const code of ["57P01", "57P03", "08006", "08001", "57014", "53300", "ECONNREFUSED", "ECONNRESET"]) {
      expect(isTransient(withCode(code)), code).toBe(true);
    }
    expect(isTransient(new Error("timeout exceeded when trying to connect"))).toBe(true);
    expect(isTransient(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isTransient(new AggregateError([withCode("ECONNREFUSED")], "connect failed"))).toBe(true);
  });

  test("constraint violations, syntax errors and non-errors are not", () => {
    expect(isTransient(withCode("23505", "duplicate key"))).toBe(false);
    expect(isTransient(withCode("42601", "syntax error"))).toBe(false);
    expect(isTransient("ECONNREFUSED")).toBe(false);
  });

  test("a transient fault becomes StoreUnavailableError with Retry-After; others pass through unchanged", () => {
    const fault = storeFault(withCode("57P01", "terminating connection due to administrator command"), "append");
    expect(fault).toBeInstanceOf(StoreUnavailableError);
    expect(fault).toMatchObject({ code: "STORE_UNAVAILABLE", retryAfterSeconds: 1 });
    expect((fault as Error).message).toContain("could not append");
    const conflict = new StoreConflictError("/a", "position", "stale");
    expect(storeFault(conflict, "append")).toBe(conflict);
    const other = withCode("23505");
    expect(storeFault(other, "append")).toBe(other);
  });
});
