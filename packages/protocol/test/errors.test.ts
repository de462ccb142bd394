import { ERROR_STATUS, type ErrorCode, isProtocolError, ProtocolError } from "@rivulet/protocol";
import { describe, expect, test } from "vitest";

describe("ERROR_STATUS", () => {
  test("every code maps to a 4xx or 5xx status", () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
  });

  test("the statuses the spec names for its conditions", () => {
    const expected: Partial<Record<ErrorCode, number>> = {
      STALE_PRODUCER_EPOCH: 403, // §5.2.1
      PRODUCER_SEQ_GAP: 409, // §5.2.1
      PRODUCER_EPOCH_SEQ_NOT_ZERO: 400, // §5.2.1
      STREAM_CLOSED: 409, // §5.2
      CONTENT_TYPE_MISMATCH: 409, // §5.2
      STREAM_SEQ_REGRESSION: 409, // §5.2
      STREAM_GONE: 410, // §4.2
      FORK_SOURCE_NOT_FOUND: 404, // §4.2
      FORK_SOURCE_DELETED: 409, // §4.2
      FORK_OFFSET_BEYOND_TAIL: 400, // §5.1
      EMPTY_JSON_ARRAY: 400, // §9.1.3
      PAYLOAD_TOO_LARGE: 413, // §5.2
      INSUFFICIENT_STORAGE: 507,
      OFFSET_OUT_OF_RANGE: 410, // §5.6: "Offset is before the earliest retained position"
      TAIL_MISMATCH: 412, // conditional appends: RFC 9110 §15.5.13 Precondition Failed
    };
    for (const [code, status] of Object.entries(expected)) expect(ERROR_STATUS[code as ErrorCode], code).toBe(status);
  });
});

describe("security and limit codes", () => {
  test("each has the status docs/security.md documents", () => {
    const expected: Partial<Record<ErrorCode, number>> = {
      UNAUTHORIZED: 401, // RFC 6750 §3.1: missing or invalid token
      FORBIDDEN: 403, // RFC 6750 §3.1: insufficient scope
      REQUEST_TIMEOUT: 408,
      PAYLOAD_TOO_LARGE: 413,
      MESSAGE_TOO_LARGE: 413,
      PATH_TOO_LONG: 414,
      INVALID_PATH: 400, // §12.2
      RATE_LIMITED: 429, // §12.5
      HEADERS_TOO_LARGE: 431,
      TOO_MANY_CONNECTIONS: 503,
      STREAM_LIMIT_REACHED: 507,
    };
    for (const [code, status] of Object.entries(expected)) expect(ERROR_STATUS[code as ErrorCode], code).toBe(status);
  });

  test("FORBIDDEN and STALE_PRODUCER_EPOCH share 403 but stay distinct codes", () => {
    const forbidden = new ProtocolError("FORBIDDEN", "no");
    const stale = new ProtocolError("STALE_PRODUCER_EPOCH", "fenced");
    expect(forbidden.status).toBe(stale.status);
    expect(forbidden.toBody().error.code).not.toBe(stale.toBody().error.code);
  });

  test("codes are unique upper-case identifiers, so clients can switch on them", () => {
    for (const code of Object.keys(ERROR_STATUS)) expect(code).toMatch(/^[A-Z][A-Z_]*[A-Z]$/);
  });
});

describe("ProtocolError", () => {
  test("carries code, status from the table, headers and cause", () => {
    const cause = new Error("disk");
    const error = new ProtocolError("STREAM_CLOSED", "closed", { "stream-closed": "true" }, { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ProtocolError");
    expect(error.code).toBe("STREAM_CLOSED");
    expect(error.status).toBe(409);
    expect(error.headers).toEqual({ "stream-closed": "true" });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe("closed");
  });

  test("toBody is the JSON error envelope", () => {
    expect(new ProtocolError("INVALID_OFFSET", "bad offset").toBody()).toEqual({
      error: { code: "INVALID_OFFSET", message: "bad offset" },
    });
  });

  test("details join the body beside code and message, and never replace them", () => {
    const error = new ProtocolError(
      "ALREADY_CLAIMED",
      "taken",
      {},
      {
        details: { current_holder: "worker-2", generation: 7, code: "OTHER", message: "other" },
      },
    );
    expect(error.toBody()).toEqual({
      error: { code: "ALREADY_CLAIMED", message: "taken", current_holder: "worker-2", generation: 7 },
    });
    expect(error.status).toBe(409);
  });

  test("the subscription codes have the statuses PROTOCOL §6-7 names", () => {
    const expected: Partial<Record<ErrorCode, number>> = {
      SUBSCRIPTION_EXISTS: 409, // §6.2
      FENCED: 409, // §7.1, §7.3
      ALREADY_CLAIMED: 409, // §7.2
      WEBHOOK_URL_REJECTED: 400, // §6.2
      SUBSCRIPTION_NOT_FOUND: 404,
      SUBSCRIPTION_LIMIT_REACHED: 507,
    };
    for (const [code, status] of Object.entries(expected)) expect(ERROR_STATUS[code as ErrorCode], code).toBe(status);
  });

  test("isProtocolError tells protocol errors from others", () => {
    expect(isProtocolError(new ProtocolError("INTERNAL", "x"))).toBe(true);
    expect(isProtocolError(new Error("x"))).toBe(false);
    expect(isProtocolError({ code: "INTERNAL", status: 500 })).toBe(false);
  });
});

describe("consumer group codes", () => {
  test("each has the status docs/kafka-layer.md documents", () => {
    const expected: Partial<Record<ErrorCode, number>> = {
      INVALID_GROUP_REQUEST: 400,
      GROUP_NOT_FOUND: 404,
      UNKNOWN_MEMBER_ID: 404,
      TOPIC_NOT_FOUND: 404,
      PARTITION_NOT_FOUND: 404,
      FENCED_MEMBER_EPOCH: 409,
      STALE_MEMBER_EPOCH: 409,
      UNRELEASED_INSTANCE_ID: 409,
      GROUP_NOT_EMPTY: 409,
      OFFSET_REGRESSION: 409,
      INCONSISTENT_ASSIGNOR: 409,
      GROUP_LIMIT_REACHED: 507,
      GROUP_MAX_SIZE_REACHED: 507,
    };
    for (const [code, status] of Object.entries(expected)) expect(ERROR_STATUS[code as ErrorCode], code).toBe(status);
  });
});
