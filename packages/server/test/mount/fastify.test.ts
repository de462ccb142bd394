/** Rivulet mounted in a Fastify 5 app: raw body left unparsed, reply hijacked, node handler. */
import { createNodeHandler, ProtocolApp } from "@rivulet/server";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { smokeFlow } from "./smoke.js";

describe("mounted in Fastify", () => {
  const streams = new ProtocolApp({ basePath: "/v1/stream", longPollTimeoutMs: 2_000 });
  let fastify: FastifyInstance;
  let origin: string;
  const send = (path: string, init?: RequestInit) => fetch(`${origin}${path}`, init);

  beforeAll(async () => {
    await streams.open();
    // The test's fetch client keeps sockets alive; close them all on shutdown.
    fastify = Fastify({ forceCloseConnections: true });
    fastify.get("/health", async () => ({ ok: true }));
    await fastify.register(async (scope) => {
      // Rivulet reads the request body itself: Fastify must leave the stream unconsumed.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser("*", (_request, _payload, done) => done(null));
      const handler = createNodeHandler(streams);
      scope.all("/v1/stream/*", (request, reply) => {
        reply.hijack();
        handler(request.raw, reply.raw);
      });
    });
    origin = await fastify.listen({ port: 0, host: "127.0.0.1" });
  });

  afterAll(async () => {
    await fastify.close();
    await streams.close();
  });

  test("passes the smoke flow next to the host's own routes", async () => {
    expect(await (await send("/health")).json()).toEqual({ ok: true });
    await smokeFlow(send, "/v1/stream/fastify-smoke", streams);
  });

  test("bodies without a Content-Type still reach Rivulet (and get its error)", async () => {
    await send("/v1/stream/fastify-raw", { method: "PUT", headers: { "content-type": "text/plain" } });
    const res = await send("/v1/stream/fastify-raw", { method: "POST", body: new Uint8Array([1, 2, 3]) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("MISSING_CONTENT_TYPE");
  });
});
