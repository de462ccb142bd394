import {
  contentTypesMatch,
  DEFAULT_CONTENT_TYPE,
  isJsonContentType,
  isSseTextContentType,
  isValidContentType,
  mediaType,
} from "@rivulet/protocol";
import { describe, expect, test } from "vitest";

describe("content types (PROTOCOL §9)", () => {
  test("the default is application/octet-stream", () => {
    expect(DEFAULT_CONTENT_TYPE).toBe("application/octet-stream");
  });

  test("mediaType drops parameters and case", () => {
    expect(mediaType("Application/JSON; charset=utf-8")).toBe("application/json");
    expect(mediaType("  text/plain  ")).toBe("text/plain");
  });

  test("types match on media type only", () => {
    expect(contentTypesMatch("application/json", "application/json; charset=utf-8")).toBe(true);
    expect(contentTypesMatch("TEXT/PLAIN", "text/plain")).toBe(true);
    expect(contentTypesMatch("text/plain", "text/html")).toBe(false);
  });

  test("JSON mode applies to application/json only", () => {
    expect(isJsonContentType("application/json;charset=utf-8")).toBe(true);
    expect(isJsonContentType("application/ndjson")).toBe(false);
    expect(isJsonContentType("application/ld+json")).toBe(false);
  });

  test("SSE sends text/* and application/json as text, everything else as base64 (§5.8)", () => {
    expect(isSseTextContentType("text/plain")).toBe(true);
    expect(isSseTextContentType("Text/CSV; charset=utf-8")).toBe(true);
    expect(isSseTextContentType("application/json")).toBe(true);
    expect(isSseTextContentType("application/octet-stream")).toBe(false);
    expect(isSseTextContentType("application/ndjson")).toBe(false);
    expect(isSseTextContentType("application/x-protobuf")).toBe(false);
  });

  test.each(["text/plain", "application/json; charset=utf-8", "application/vnd.api+json", "x-custom/x.y-z"])(
    "%j is a valid content type",
    (value) => {
      expect(isValidContentType(value)).toBe(true);
    },
  );

  test.each(["", "text", "text/", "/plain", "not a type", "text/plain/extra", "a b/c"])(
    "%j is not a valid content type",
    (value) => {
      expect(isValidContentType(value)).toBe(false);
    },
  );
});
