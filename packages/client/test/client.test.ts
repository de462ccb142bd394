/** createClient: one configuration and transport, handles by path. Against a real server. */
import { type ClientEvent, createClient, DurableStream, InvalidArgumentError, StreamClient } from "@rivulet/client";
import { IdempotentProducer } from "@rivulet/client/producer";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "./support/fault-proxy.js";
import { startTestServer, type TestServer, uniqueName } from "./support/server.js";

let server: TestServer;
let proxy: FaultProxy;
beforeAll(async () => {
  server = await startTestServer();
  proxy = await startFaultProxy(server.url);
});
afterEach(() => proxy.setRule(undefined));
afterAll(async () => {
  await proxy.close();
  await server.close();
});

function invalid(run: () => unknown): InvalidArgumentError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error;
    throw error;
  }
  throw new Error("expected INVALID_ARGUMENT");
}

describe("createClient", () => {
  it("resolves paths under the base URL, and handles share the client's configuration", async () => {
    const events: ClientEvent[] = [];
    const client = createClient({ baseUrl: `${server.url}/v1/stream/`, onEvent: (e) => events.push(e) });
    expect(client).toBeInstanceOf(StreamClient);
    expect(client.baseUrl).toBe(`${server.url}/v1/stream`);
    const name = uniqueName("orders");
    const orders = await client.create(`${name}/42`, { contentType: "application/json" });
    expect(orders).toBeInstanceOf(DurableStream);
    expect(orders.url).toBe(`${server.url}/v1/stream/${name}/42`);
    await orders.appendJson({ id: 42 });
    // A leading slash still means "under the base URL"; connect learns the content type.
    const again = await client.connect(`/${name}/42`);
    expect(again.contentType).toBe("application/json");
    expect(await (await again.stream()).json()).toEqual([{ id: 42 }]);
    // Producers and consumers made from client handles use the same transport.
    const producer = new IdempotentProducer(again, "p");
    producer.append({ id: 43 });
    await producer.close();
    const urls = new Set(events.filter((e) => e.type === "request:end").map((e) => e.type === "request:end" && e.url));
    expect(urls).toEqual(new Set([orders.url]));
    expect(events.filter((e) => e.type === "producer:batch-sent")).toHaveLength(1);
    // An absolute URL is taken as it is.
    expect(client.stream(orders.url).url).toBe(orders.url);
  });

  it("sends the token as a bearer, asking a token function per request; headers may override it", async () => {
    let asked = 0;
    const client = createClient({
      baseUrl: `${proxy.url}/v1/stream`,
      token: () => `t${++asked}`,
      headers: { "x-app": "a" },
    });
    const handle = await client.create(uniqueName("token"), { contentType: "text/plain" });
    await handle.append("x");
    const mine = proxy.requests.filter((r) => handle.url.endsWith(r.url.pathname));
    expect(mine.map((r) => r.headers.authorization)).toEqual(["Bearer t1", "Bearer t2"]);
    expect(mine.every((r) => r.headers["x-app"] === "a")).toBe(true);

    const overridden = createClient({
      baseUrl: `${proxy.url}/v1/stream`,
      token: "ignored",
      headers: () => ({ Authorization: "Basic abc" }),
    });
    const other = overridden.stream(uniqueName("override"));
    await other.create({ contentType: "text/plain" });
    expect(proxy.requests.at(-1)?.headers.authorization).toBe("Basic abc");
    const fixed = createClient({ baseUrl: `${proxy.url}/v1/stream`, token: "static" });
    await fixed.stream(uniqueName("static")).create();
    expect(proxy.requests.at(-1)?.headers.authorization).toBe("Bearer static");
  });

  it("one signal stops every handle of the client", async () => {
    const controller = new AbortController();
    const client = createClient({ baseUrl: `${server.url}/v1/stream`, signal: controller.signal });
    const a = await client.create(uniqueName("sig-a"), { contentType: "text/plain" });
    const b = client.stream(uniqueName("sig-b"));
    controller.abort();
    await expect(a.append("x")).rejects.toMatchObject({ code: "ABORTED" });
    await expect(b.create()).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("refuses what cannot work, naming the option, before any request", () => {
    expect(invalid(() => createClient({ baseUrl: "ftp://example.com" })).option).toBe("baseUrl");
    expect(invalid(() => createClient({ baseUrl: `${server.url}/v1/stream?x=1` })).option).toBe("baseUrl");
    expect(invalid(() => createClient({ baseUrl: server.url, token: 5 as never })).option).toBe("token");
    expect(invalid(() => createClient({ baseUrl: server.url, retry: { maxRetries: -1 } })).option).toBe(
      "retry.maxRetries",
    );
    expect(invalid(() => createClient().stream("orders")).option).toBe("path");
    expect(invalid(() => createClient({ baseUrl: server.url }).stream("/")).option).toBe("path");
  });
});
