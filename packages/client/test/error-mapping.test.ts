import {
  ConfigConflictError,
  GoneError,
  SequenceGapError,
  StaleEpochError,
  StreamClosedError,
  type StreamErrorCode,
  TailMismatchError,
} from "@rivulet/client";
import { describe, expect, it } from "vitest";
import { errorFromFetchFailure, errorFromResponse, type Operation } from "../src/http/error-mapping.js";

const URL_ = "http://example.test/v1/stream/s";

function map(status: number, headers: Record<string, string> = {}, body = "", operation: Operation = "append") {
  return errorFromResponse({ operation, url: URL_ }, { status, headers: new Headers(headers), body }, 0);
}

function serverBody(code: string, message = "m"): string {
  return JSON.stringify({ error: { code, message } });
}

describe("errorFromResponse", () => {
  it.each<[number, StreamErrorCode, boolean]>([
    [400, "BAD_REQUEST", false],
    [401, "UNAUTHORIZED", false],
    [403, "FORBIDDEN", false],
    [404, "NOT_FOUND", false],
    [405, "BAD_REQUEST", false],
    [408, "TIMEOUT", true],
    [410, "GONE", false],
    [412, "TAIL_MISMATCH", false],
    [413, "PAYLOAD_TOO_LARGE", false],
    [429, "RATE_LIMITED", true],
    [500, "SERVER_ERROR", true],
    [501, "SERVER_ERROR", false],
    [502, "SERVER_ERROR", true],
    [503, "SERVER_ERROR", true],
    [504, "SERVER_ERROR", true],
    [507, "SERVER_ERROR", true],
  ])("status %i is %s (retryable: %s) and keeps status and url", (status, code, retryable) => {
    const error = map(status);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.url).toBe(URL_);
    expect(error.isRetryable).toBe(retryable);
  });

  it("reads Retry-After as seconds or as a date", () => {
    expect(map(429, { "retry-after": "3" }).retryAfterMs).toBe(3000);
    expect(map(503, { "retry-after": new Date(5000).toUTCString() }).retryAfterMs).toBe(5000);
    expect(map(503, { "retry-after": "soon" }).retryAfterMs).toBeUndefined();
  });

  it("a 403 with Producer-Epoch is STALE_EPOCH carrying the server epoch", () => {
    const error = map(403, { "producer-epoch": "7" });
    expect(error).toBeInstanceOf(StaleEpochError);
    expect(error.code).toBe("STALE_EPOCH");
    expect((error as StaleEpochError).serverEpoch).toBe(7);
  });

  it("a 409 with Producer-Expected-Seq is SEQUENCE_GAP with expected and received", () => {
    const error = map(409, { "producer-expected-seq": "3", "producer-received-seq": "5" });
    expect(error).toBeInstanceOf(SequenceGapError);
    expect(error).toMatchObject({ code: "SEQUENCE_GAP", expectedSeq: 3, receivedSeq: 5 });
  });

  it("a 409 with Stream-Closed is STREAM_CLOSED with the final offset", () => {
    const error = map(409, { "stream-closed": "true", "stream-next-offset": "0_9" });
    expect(error).toBeInstanceOf(StreamClosedError);
    expect(error).toMatchObject({ code: "STREAM_CLOSED", finalOffset: "0_9" });
  });

  it("splits other 409s by operation and server code", () => {
    expect(map(409, {}, "", "create").code).toBe("ALREADY_EXISTS");
    expect(map(409, {}, serverBody("STREAM_EXISTS"), "fork").code).toBe("ALREADY_EXISTS");
    expect(map(409, {}, serverBody("CONTENT_TYPE_MISMATCH"), "fork").code).toBe("CONFIG_CONFLICT");
    expect(map(409, {}, serverBody("CONTENT_TYPE_MISMATCH")).code).toBe("CONFIG_CONFLICT");
    expect(map(409, {}, serverBody("STREAM_SEQ_REGRESSION")).code).toBe("SEQUENCE_CONFLICT");
    expect(map(409).code).toBe("CONFIG_CONFLICT");
    const withSeq = errorFromResponse(
      { operation: "append", url: URL_, usedStreamSeq: true },
      { status: 409, headers: new Headers(), body: "" },
    );
    expect(withSeq.code).toBe("SEQUENCE_CONFLICT");
  });

  it("a 410 is GONE with the earliest offset when the server names it", () => {
    const error = map(410, {}, JSON.stringify({ error: { code: "STREAM_GONE", message: "x", earliestOffset: "0_5" } }));
    expect(error).toBeInstanceOf(GoneError);
    expect((error as GoneError).earliestOffset).toBe("0_5");
    expect((map(410) as GoneError).earliestOffset).toBeUndefined();
  });

  it("a 410's Stream-Earliest-Offset header wins over its body", () => {
    const body = JSON.stringify({ error: { code: "OFFSET_GONE", message: "x", earliestOffset: "0_1" } });
    const error = map(410, { "stream-earliest-offset": "0_7" }, body) as GoneError;
    expect(error.earliestOffset).toBe("0_7");
    expect(error.serverCode).toBe("OFFSET_GONE");
  });

  it("a 412 is TAIL_MISMATCH carrying the tail it found; without the headers, undefined", () => {
    const headers = { "stream-next-offset": "0_9", "stream-next-seq": "4" };
    const error = map(412, headers, serverBody("TAIL_MISMATCH")) as TailMismatchError;
    expect(error).toBeInstanceOf(TailMismatchError);
    expect(error).toMatchObject({ currentOffset: "0_9", currentSeq: 4, serverCode: "TAIL_MISMATCH" });
    expect(map(412, { "stream-next-seq": "x" })).toMatchObject({ currentOffset: undefined, currentSeq: undefined });
  });

  it("every error keeps the response's headers", () => {
    const error = map(429, { "retry-after": "1", "x-request-id": "r-1" });
    expect(error.headers?.get("x-request-id")).toBe("r-1");
    expect(map(500).headers).toBeInstanceOf(Headers);
  });

  it("a configuration conflict names the content type the request carried", () => {
    const error = errorFromResponse(
      { operation: "append", url: URL_, contentType: "text/plain" },
      { status: 409, headers: new Headers(), body: serverBody("CONTENT_TYPE_MISMATCH") },
    );
    expect(error).toBeInstanceOf(ConfigConflictError);
    expect(error).toMatchObject({ code: "CONFIG_CONFLICT", actualContentType: "text/plain" });
    expect((error as ConfigConflictError).expectedContentType).toBeUndefined();
    const known = (error as ConfigConflictError).withExpected("application/json");
    expect(known).toMatchObject({ code: "CONFIG_CONFLICT", status: 409, serverCode: "CONTENT_TYPE_MISMATCH" });
    expect(known).toMatchObject({ expectedContentType: "application/json", actualContentType: "text/plain" });
    expect(known.message).toBe(error.message);
  });

  it("keeps the server's code and message, and survives non-JSON bodies", () => {
    const error = map(400, {}, serverBody("INVALID_OFFSET", "Malformed offset"));
    expect(error.serverCode).toBe("INVALID_OFFSET");
    expect(error.message).toContain("Malformed offset");
    expect(map(502, {}, "<html>bad gateway</html>").message).toContain("bad gateway");
  });

  it("says a thing once when the server's message opens with the client's words", () => {
    const closed = map(409, { "stream-closed": "true" }, serverBody("STREAM_CLOSED", "Stream is closed"));
    expect(closed.message).toBe("Stream is closed (409)");
    const missing = map(404, {}, serverBody("STREAM_NOT_FOUND", "Stream not found: /v1/stream/x"));
    expect(missing.message).toBe("Stream not found: /v1/stream/x (404)");
    // Different words are kept side by side: ours say what the status means.
    expect(map(403, {}, serverBody("FORBIDDEN", "No read scope")).message).toBe("Forbidden: No read scope (403)");
    expect(map(409, { "stream-closed": "true" }).message).toBe("Stream is closed (409)");
  });
});

describe("errorFromFetchFailure", () => {
  it("tells timeouts, aborts and network failures apart", () => {
    const failure = new TypeError("fetch failed");
    expect(errorFromFetchFailure(URL_, failure, { timedOut: true, aborted: false }).code).toBe("TIMEOUT");
    expect(errorFromFetchFailure(URL_, failure, { timedOut: false, aborted: true }).code).toBe("ABORTED");
    const network = errorFromFetchFailure(
      URL_,
      Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }) }),
      { timedOut: false, aborted: false },
    );
    expect(network).toMatchObject({ code: "NETWORK", isRetryable: true, status: undefined, url: URL_ });
    expect(network.message).toContain("ECONNREFUSED");
    expect(network.headers).toBeUndefined();
  });
});
