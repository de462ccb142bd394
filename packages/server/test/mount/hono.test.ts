/** Rivulet mounted in a Hono app through the fetch adapter. */
import { createFetchHandler, ProtocolApp } from "@rivulet/server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { smokeFlow } from "./smoke.js";

describe("mounted in Hono", () => {
  const streams = new ProtocolApp({ basePath: "/api/streams", longPollTimeoutMs: 2_000 });
  const hono = new Hono();
  beforeAll(async () => {
    await streams.open();
    const handler = createFetchHandler(streams);
    hono.get("/api/health", (c) => c.text("ok"));
    hono.all("/api/streams/*", (c) => handler(c.req.raw));
  });
  afterAll(() => streams.close());

  test("passes the smoke flow next to the host's own routes", async () => {
    expect(await (await hono.request("/api/health")).text()).toBe("ok");
    await smokeFlow(async (path, init) => hono.request(path, init), "/api/streams/hono-smoke", streams);
  });
});
