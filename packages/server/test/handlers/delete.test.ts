/** DELETE (PROTOCOL §5.4) and soft delete while forks reference a stream (§4.2). */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { encode, eventually, expectError, handleDirect, startApp, type TestApp } from "./helpers.js";

describe("delete", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  const del = (path: string) => t.request(path, { method: "DELETE" });

  test("204, then the stream is STREAM_NOT_FOUND", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "x");
    expect((await del(path)).status).toBe(204);
    await expectError(await t.request(path), 404, "STREAM_NOT_FOUND");
  });

  test("deleting a missing stream is STREAM_NOT_FOUND", async () => {
    await expectError(await del(t.path("missing")), 404, "STREAM_NOT_FOUND");
  });

  test("deleting twice is STREAM_NOT_FOUND the second time", async () => {
    const path = t.path();
    await t.create(path);
    await del(path);
    await expectError(await del(path), 404, "STREAM_NOT_FOUND");
  });

  describe("with a fork referencing the stream", () => {
    let source: string;
    let fork: string;
    beforeAll(async () => {
      source = t.path("source");
      fork = t.path("fork");
      await t.create(source, "text/plain", "inherited");
      await t.create(fork, "text/plain", undefined, { "stream-forked-from": source });
      await t.append(fork, "text/plain", "+own");
      expect((await del(source)).status).toBe(204);
    });

    test("the source answers STREAM_GONE to GET, POST and DELETE", async () => {
      await expectError(await t.request(source), 410, "STREAM_GONE");
      await expectError(await t.request(`${source}?offset=-1&live=long-poll`), 410, "STREAM_GONE");
      await expectError(await t.request(`${source}?offset=-1&live=sse`), 410, "STREAM_GONE");
      await expectError(
        await t.request(source, { method: "POST", headers: { "content-type": "text/plain" }, body: encode("x") }),
        410,
        "STREAM_GONE",
      );
      await expectError(await del(source), 410, "STREAM_GONE");
    });

    test("and to HEAD (410, code STREAM_GONE)", async () => {
      expect((await t.request(source, { method: "HEAD" })).status).toBe(410);
      expect(await handleDirect(t.app, "HEAD", source)).toMatchObject({ status: 410, code: "STREAM_GONE" });
    });

    test("the fork still reads the inherited data", async () => {
      expect(await (await t.request(fork)).text()).toBe("inherited+own");
    });
  });

  test("deleting the last fork reclaims a soft-deleted source (cascade)", async () => {
    const source = t.path("source");
    const fork = t.path("fork");
    await t.create(source, "text/plain", "data");
    await t.create(fork, "text/plain", undefined, { "stream-forked-from": source });
    await del(source);
    expect((await del(fork)).status).toBe(204);
    // §4.2: cleanup MAY be asynchronous, so wait for the source to turn from 410 into 404.
    await eventually(async () => (await t.request(source, { method: "HEAD" })).status === 404);
    await t.create(source, "text/plain", "new life");
  });
});
