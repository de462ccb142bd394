/**
 * What the client makes of extension answers that are not what they should be, from a fetch
 * that answers like a broken or foreign server: records that are not records, values that do
 * not decode, capabilities and admin answers that are not JSON. Each is a clear error, never a
 * wrong value.
 */
import { DurableStream, type FetchLike } from "@rivulet/client";
import { capabilitiesOf, getRetention, trim } from "@rivulet/client/admin";
import { describe, expect, it } from "vitest";

const URL_ = "http://streams.test/v1/stream/s";

/** A fetch answering each request with what `answer` returns for its URL and method. */
function fakeServer(answer: (url: URL, method: string) => Response): FetchLike {
  return async (input, init) => answer(new URL(input), init.method ?? "GET");
}

const recordsAnswer = (body: string, contentType = "application/json") =>
  fakeServer((_url, method) => {
    if (method === "HEAD")
      return new Response(null, { headers: { "content-type": contentType, "stream-next-offset": "0_9" } });
    return new Response(body, {
      headers: {
        "content-type": "application/json",
        "stream-view": "records",
        "stream-next-offset": "0_9",
        "stream-up-to-date": "true",
      },
    });
  });

const record = (value: unknown) => ({ offset: "0_0", next_offset: "0_9", seq: 0, ts: 1, value });

describe("records that are not what they should be", () => {
  it.each([
    ["a body that is not JSON", "[{"],
    ["a body that is not an array", JSON.stringify({ records: [] })],
    ["an element that is not a record", JSON.stringify([{ offset: "0_0", value: 1 }])],
    ["a seq that is not a number", JSON.stringify([{ ...record(1), seq: "0" }])],
  ])("%s is a PARSE_ERROR", async (_what, body) => {
    const handle = new DurableStream({ url: URL_, contentType: "application/json", fetch: recordsAnswer(body) });
    await expect(
      (await handle.stream({ records: true }).catch((e: unknown) => Promise.reject(e))).json(),
    ).rejects.toMatchObject({
      code: "PARSE_ERROR",
    });
  });

  it("a byte stream's value that is not base64, or not a string, is a PARSE_ERROR", async () => {
    for (const value of ["not base64!", 42]) {
      const fetch = recordsAnswer(JSON.stringify([record(value)]), "application/octet-stream");
      const handle = new DurableStream({ url: URL_, fetch });
      await expect(handle.readOnce({ records: true })).rejects.toMatchObject({ code: "PARSE_ERROR" });
    }
  });

  it("a text stream's value stays text, and a JSON stream's value is the message as sent", async () => {
    const text = new DurableStream({ url: URL_, fetch: recordsAnswer(JSON.stringify([record("a\nb")]), "text/plain") });
    expect((await text.readOnce({ records: true })).records![0]!.value).toBe("a\nb");
    const json = new DurableStream({ url: URL_, fetch: recordsAnswer(JSON.stringify([record({ x: [1] })])) });
    expect((await json.readOnce({ records: true })).items).toEqual([{ x: [1] }]);
  });
});

describe("capabilities and admin answers that are not what they should be", () => {
  it("a capabilities answer that is not JSON, or has no extensions, is no capabilities: UNSUPPORTED", async () => {
    for (const body of ["<html>", JSON.stringify({ ok: true }), JSON.stringify([1])]) {
      const handle = new DurableStream({ url: URL_, fetch: fakeServer(() => new Response(body)) });
      expect(await capabilitiesOf(handle)).toBeUndefined();
      await expect(getRetention(handle)).rejects.toMatchObject({ code: "UNSUPPORTED" });
    }
  });

  it("an admin answer that is not JSON, or lacks a field, is a PARSE_ERROR", async () => {
    const capabilities = JSON.stringify({ extensions: { retention: 1, trim: 1 } });
    for (const body of ["not json", "[]", JSON.stringify({ retention_ms: null })]) {
      const fetch = fakeServer(
        (url) => new Response(url.pathname.endsWith("/__ds/capabilities") ? capabilities : body),
      );
      const handle = new DurableStream({ url: URL_, fetch });
      await expect(getRetention(handle)).rejects.toMatchObject({ code: "PARSE_ERROR" });
      await expect(trim(handle, "now")).rejects.toMatchObject({ code: "PARSE_ERROR" });
    }
  });

  it("a server error while asking for capabilities is that error, not UNSUPPORTED", async () => {
    const handle = new DurableStream({
      url: URL_,
      retry: { maxRetries: 0 },
      contentType: "application/json",
      fetch: fakeServer(() => new Response("down", { status: 503 })),
    });
    await expect(handle.appendJson(1, { expectedSeq: 0 })).rejects.toMatchObject({ code: "SERVER_ERROR", status: 503 });
  });
});
