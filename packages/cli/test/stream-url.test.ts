/** The rule that turns a `<stream>` argument and --url into a stream URL. */
import { describe, expect, test } from "vitest";
import { CliError } from "../src/failure.js";
import { nameUnderRoot, streamRoot, streamUrl } from "../src/stream-url.js";

describe("streamUrl", () => {
  test("a name goes under /v1/stream when --url has no path", () => {
    expect(streamUrl("chat", "http://127.0.0.1:4437")).toBe("http://127.0.0.1:4437/v1/stream/chat");
    expect(streamUrl("chat", "http://127.0.0.1:4437/")).toBe("http://127.0.0.1:4437/v1/stream/chat");
  });

  test("a --url with a path is the root itself, trailing slashes or not", () => {
    expect(streamUrl("chat", "https://host/api/streams")).toBe("https://host/api/streams/chat");
    expect(streamUrl("chat", "https://host/api/streams//")).toBe("https://host/api/streams/chat");
  });

  test("a full URL is used as is, whatever --url says", () => {
    expect(streamUrl("http://other:1/v1/stream/x", "http://ignored")).toBe("http://other:1/v1/stream/x");
  });

  test("names keep their slashes; other reserved characters are encoded per segment", () => {
    expect(streamUrl("rooms/42", "http://h")).toBe("http://h/v1/stream/rooms/42");
    expect(streamUrl("a?b#c d%", "http://h")).toBe("http://h/v1/stream/a%3Fb%23c%20d%25");
  });

  test("a leading slash, an empty name or a non-http --url are refused", () => {
    expect(() => streamUrl("/v1/stream/x", "http://h")).toThrow(CliError);
    expect(() => streamUrl("", "http://h")).toThrow(CliError);
    expect(() => streamUrl("x", "ftp://h")).toThrow(/http:\/\/ or https:\/\//);
    expect(() => streamUrl("x", "not a url")).toThrow(/not a URL/);
  });
});

describe("nameUnderRoot", () => {
  test("a server path is shown as the name it has under the root", () => {
    const root = streamRoot("http://h:1");
    expect(nameUnderRoot("/v1/stream/rooms/42", root)).toBe("rooms/42");
    expect(nameUnderRoot("/elsewhere/x", root)).toBe("/elsewhere/x");
  });
});
