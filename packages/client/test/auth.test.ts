/**
 * The client against a server with access control on: credentials from static or per-request
 * headers, and 401/403 surfacing as the typed UNAUTHORIZED and FORBIDDEN errors.
 */
import { DurableStream, isStreamError, type StreamError } from "@rivulet/client";
import { IdempotentProducer } from "@rivulet/client/producer";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestServer, type TestServer } from "./support/server.js";

const WRITER = "writer-token-0123456789";
const READER = "reader-token-0123456789";
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    auth: {
      tokens: [
        { token: WRITER, scopes: ["read:/v1/stream/**", "write:/v1/stream/**"], id: "writer" },
        { token: READER, scopes: ["read:/v1/stream/**"], id: "reader" },
      ],
    },
  });
});
afterAll(() => server.close());

async function failure(promise: Promise<unknown>): Promise<StreamError> {
  try {
    await promise;
  } catch (error) {
    if (isStreamError(error)) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

test("a static token writes and reads; a per-request function is evaluated on every request", async () => {
  const url = server.streamUrl("auth");
  const writer = new DurableStream({ url, headers: { authorization: `Bearer ${WRITER}` } });
  await writer.create({ contentType: "text/plain" });
  await writer.append("hello");
  let calls = 0;
  const reader = new DurableStream({
    url,
    headers: {
      authorization: () => {
        calls++;
        return `Bearer ${READER}`;
      },
    },
  });
  expect(await (await reader.stream({ live: false })).text()).toBe("hello");
  await reader.head();
  expect(calls).toBe(2);
});

test("no credential is UNAUTHORIZED (401), not retried", async () => {
  const error = await failure(
    new DurableStream({ url: server.streamUrl("anon") }).create({ contentType: "text/plain" }),
  );
  expect(error.code).toBe("UNAUTHORIZED");
  expect(error.status).toBe(401);
  expect(error.isRetryable).toBe(false);
});

test("a credential without the scope is FORBIDDEN (403)", async () => {
  const url = server.streamUrl("ro");
  await new DurableStream({ url, headers: { authorization: `Bearer ${WRITER}` } }).create({
    contentType: "text/plain",
  });
  const readOnly = new DurableStream({
    url,
    contentType: "text/plain",
    headers: { authorization: `Bearer ${READER}` },
  });
  const error = await failure(readOnly.append("nope"));
  expect(error.code).toBe("FORBIDDEN");
  expect(error.status).toBe(403);
  expect(error.isRetryable).toBe(false);
});

test("the producer uses the handle's credentials", async () => {
  const url = server.streamUrl("producer");
  const handle = new DurableStream({ url, headers: { authorization: `Bearer ${WRITER}` } });
  await handle.create({ contentType: "application/json" });
  const producer = new IdempotentProducer(handle, "p1", { lingerMs: 1 });
  producer.append({ n: 1 });
  producer.append({ n: 2 });
  await producer.flush();
  expect(await (await handle.stream({ live: false })).json()).toEqual([{ n: 1 }, { n: 2 }]);
});
