/**
 * The webhook receiver against a real server and real HTTP servers: mounted with `node:http`,
 * Express, Fastify and Hono (the fetch handler, on Hono's Node server), each receives signed
 * wakes, reads the pending data and acks, so the cursor moves and the next wake starts there.
 * Then how it acks (`done`, or a callback with partial or further acks), a failing handler
 * retried by the server, answering at once with heartbeats, closing, and raw-body mistakes.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { FetchLike } from "@rivulet/client";
import { type Wake, type WebhookReceiver, webhookReceiver } from "@rivulet/client/subscriptions";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { deferred, Events, eventually, httpServer, type SubsServer, startSubsServer, uniqueId } from "./support.js";

let s: SubsServer;
beforeAll(async () => {
  s = await startSubsServer({ subscriptions: { retryBaseMs: 20, retryMaxMs: 100 } });
});
afterAll(() => s.close());

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((close) => close()));
});

interface Handled {
  wake: Wake;
  items: unknown[];
}

/** A handler that reads every pending stream's messages, and tells each wake as an event. */
function readingHandler(events: Events<Handled>) {
  return async (wake: Wake) => {
    const items: unknown[] = [];
    for (const stream of wake.streams) items.push(...(await (await wake.read(stream)).json()));
    events.push({ wake, items });
  };
}

type Mount = (receiver: WebhookReceiver) => Promise<string>;

const listening = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
};

const mounts: [string, Mount][] = [
  [
    "node:http",
    async (receiver) => {
      const server = await httpServer((req, res) => void receiver.node(req, res));
      cleanup.push(server.close);
      return server.url;
    },
  ],
  [
    "Express, next to JSON routes",
    async (receiver) => {
      const app = express();
      app.post("/hook", receiver.node);
      app.use(express.json());
      app.post("/other", (req, res) => void res.json(req.body));
      return listening(createServer(app));
    },
  ],
  [
    "Express with express.raw()",
    async (receiver) => {
      const app = express();
      app.post("/hook", express.raw({ type: "application/json" }), receiver.node);
      return listening(createServer(app));
    },
  ],
  [
    "Fastify",
    async (receiver) => {
      const app = Fastify();
      await app.register(receiver.fastify, { path: "/hook" });
      app.post("/other", async (request) => request.body);
      await app.listen({ port: 0, host: "127.0.0.1" });
      cleanup.push(() => app.close());
      return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/hook`;
    },
  ],
  [
    "Hono's fetch handler",
    async (receiver) => {
      const app = new Hono();
      app.post("/hook", (c) => receiver.fetch(c.req.raw));
      const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
      await new Promise((resolve) => server.once("listening", resolve));
      cleanup.push(() => new Promise((resolve) => server.close(resolve)));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    },
  ],
];

/** A webhook subscription over `prefix/*` delivering to a receiver mounted by `mount`. */
async function subscribed(mount: Mount, handler: (wake: Wake) => Promise<void>, options = {}) {
  const receiver = webhookReceiver(s.subs, handler, { onError: () => {}, ...options });
  cleanup.push(() => receiver.close());
  const url = await mount(receiver);
  const id = uniqueId("hook");
  const prefix = uniqueId("ev");
  await s.subs.create(id, { pattern: `${prefix}/*`, webhook: url, leaseTtlMs: 5000 });
  const cursor = async (path: string) => (await s.subs.get(id)).streams.find((link) => link.path === path)?.ackedOffset;
  return { receiver, url, id, prefix, cursor };
}

describe.each(mounts)("mounted with %s", (_, mount) => {
  test("receives a signed wake, reads the pending data, and acks it; the next wake starts at the cursor", async () => {
    const events = new Events<Handled>();
    const { id, prefix, cursor } = await subscribed(mount, readingHandler(events));
    const first = await s.createStream(`${prefix}/a`, JSON.stringify({ n: 1 }));
    const one = await events.next(() => true);
    expect(one.wake).toMatchObject({ subscriptionId: id, generation: 1 });
    expect(one.wake.streams.map((stream) => [stream.path, stream.tailOffset])).toEqual([[`${prefix}/a`, first]]);
    expect(one.items).toEqual([{ n: 1 }]);
    await eventually(async () => (await cursor(`${prefix}/a`)) === first);

    const second = await s.append(`${prefix}/a`, JSON.stringify({ n: 2 }));
    const two = await events.next((event) => event.wake.generation === 2);
    expect(two.items).toEqual([{ n: 2 }]);
    await eventually(async () => (await cursor(`${prefix}/a`)) === second);
  });
});

describe("acknowledging", () => {
  const node = mounts[0]![1];

  test("an ack short of the tail goes through the callback; what it did not cover is woken again", async () => {
    const events = new Events<Handled>();
    const { prefix, cursor } = await subscribed(node, async (wake) => {
      const stream = wake.streams[0]!;
      events.push({ wake, items: await (await wake.read(stream)).json() });
      // The first wake handles nothing after all: its cursor stays where it was.
      if (wake.generation === 1) wake.ack(stream, stream.ackedOffset);
    });
    const path = `${prefix}/a`;
    const tail = await s.createStream(path, JSON.stringify({ n: 1 }));
    const first = await events.next(() => true);
    const second = await events.next((event) => event.wake.generation === 2);
    expect(second.wake.streams[0]?.ackedOffset).toBe(first.wake.streams[0]?.ackedOffset);
    expect(second.items).toEqual([{ n: 1 }]);
    await eventually(async () => (await cursor(path)) === tail);
  });

  test("data read past the wake's tail is acked as far as it was read", async () => {
    const events = new Events<Handled>();
    let later = "";
    const { prefix, cursor } = await subscribed(node, async (wake) => {
      // Appended after the wake was issued: the read sees it, and the ack covers it.
      later = await s.append(wake.streams[0]!.path, JSON.stringify({ n: 2 }));
      events.push({ wake, items: await (await wake.read(wake.streams[0]!)).json() });
    });
    const path = `${prefix}/a`;
    const tail = await s.createStream(path, JSON.stringify({ n: 1 }));
    const { wake, items } = await events.next(() => true);
    expect(wake.streams[0]?.tailOffset).toBe(tail);
    expect(items).toEqual([{ n: 1 }, { n: 2 }]);
    await eventually(async () => (await cursor(path)) === later);
  });

  test("a failing handler is answered 500; the server retries with a new wake, whose success is acked", async () => {
    const events = new Events<Handled>();
    const errors: unknown[] = [];
    let calls = 0;
    const { prefix, cursor } = await subscribed(
      node,
      async (wake) => {
        calls++;
        if (calls === 1) throw new Error("first try fails");
        await readingHandler(events)(wake);
      },
      { onError: (error: unknown) => errors.push(error) },
    );
    const tail = await s.createStream(`${prefix}/a`, JSON.stringify({ n: 1 }));
    const retried = await events.next(() => true);
    expect(retried.wake.generation).toBe(2);
    expect(retried.items).toEqual([{ n: 1 }]);
    expect(errors).toEqual([new Error("first try fails")]);
    await eventually(async () => (await cursor(`${prefix}/a`)) === tail);
  });
});

describe("when acking fails", () => {
  test("a callback the server refuses is answered 500 and reported; the server delivers the wake again", async () => {
    const errors: { phase: string; code: unknown }[] = [];
    const events = new Events<Handled>();
    const { prefix, cursor } = await subscribed(
      mounts[0]![1],
      async (wake) => {
        events.push({ wake, items: [] });
        // An offset past the tail: the callback is INVALID_ACK.
        if (wake.generation === 1) wake.ack(wake.streams[0]!, "9999999999999999_9999999999999999");
      },
      {
        onError: (error: unknown, { phase }: { phase: string }) =>
          errors.push({ phase, code: (error as { code?: string }).code }),
      },
    );
    const tail = await s.createStream(`${prefix}/a`, "{}");
    await events.next((event) => event.wake.generation === 2);
    expect(errors).toEqual([{ phase: "ack", code: "INVALID_ACK" }]);
    await eventually(async () => (await cursor(`${prefix}/a`)) === tail);
  });
});

describe("answering at once", () => {
  test("the handler runs after the answer; heartbeats keep the lease past its TTL; the callback acks", async () => {
    const heartbeats = new Events<number>();
    let beats = 0;
    const counting: FetchLike = async (input, init) => {
      if (input.endsWith("/callback") && String(init.body).includes('"done":false')) heartbeats.push(++beats);
      return fetch(input, init);
    };
    const receiver = webhookReceiver(
      s.client({ fetch: counting }),
      async (wake) => {
        // Four heartbeats at a third of a two-second lease: longer than the lease itself.
        await heartbeats.next((n) => n >= 4);
        await (await wake.read(wake.streams[0]!)).json();
      },
      { respond: "at-once", leaseTtlMs: 2000, onError: () => {} },
    );
    cleanup.push(() => receiver.close());
    const answers: number[] = [];
    const server = await httpServer((req, res) => {
      res.on("finish", () => answers.push(res.statusCode));
      void receiver.node(req, res);
    });
    cleanup.push(server.close);
    const id = uniqueId("at-once");
    const prefix = uniqueId("ev");
    await s.subs.create(id, { pattern: `${prefix}/*`, webhook: server.url, leaseTtlMs: 2000 });
    const tail = await s.createStream(`${prefix}/a`, "{}");
    await eventually(async () => (await s.subs.get(id)).streams[0]?.ackedOffset === tail);
    expect(answers).toEqual([202]);
    expect(beats).toBeGreaterThanOrEqual(4);
    expect((await s.subs.get(id)).generation).toBe(1);
  });

  test("closing aborts the handler's signal and gives the wake back; later requests are answered 503", async () => {
    const started = deferred<Wake>();
    const receiver = webhookReceiver(
      s.subs,
      async (wake) => {
        started.resolve(wake);
        await new Promise((_, reject) => wake.signal.addEventListener("abort", () => reject(wake.signal.reason)));
      },
      { respond: "at-once", onError: () => {} },
    );
    const answers = new Events<number>();
    const server = await httpServer((req, res) => {
      res.on("finish", () => answers.push(res.statusCode));
      void receiver.node(req, res);
    });
    cleanup.push(server.close);
    const id = uniqueId("closing");
    const prefix = uniqueId("ev");
    // A 30 s lease: a wake delivered again soon was released, not left to run out.
    await s.subs.create(id, { pattern: `${prefix}/*`, webhook: server.url, leaseTtlMs: 30_000 });
    await s.createStream(`${prefix}/a`, "{}");
    const wake = await started.promise;
    await receiver.close();
    expect(wake.signal.aborted).toBe(true);
    await answers.next((status) => status === 503);
    expect((await s.subs.get(id)).generation).toBeGreaterThanOrEqual(2);
  });
});

describe("requests that are not wakes from the server", () => {
  test("an unsigned POST is answered 401 with the reason, and handles nothing", async () => {
    let handled = false;
    const receiver = webhookReceiver(
      s.subs,
      () => {
        handled = true;
      },
      { onError: () => {} },
    );
    const server = await httpServer((req, res) => void receiver.node(req, res));
    cleanup.push(server.close);
    const response = await fetch(server.url, { method: "POST", body: "{}" });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "WEBHOOK_REJECTED", reason: "SIGNATURE_MISSING" } });
    expect(handled).toBe(false);
  });

  test("Fastify: a POST without a body is refused like any unsigned request", async () => {
    const receiver = webhookReceiver(s.subs, () => {}, { onError: () => {} });
    const app = Fastify();
    await app.register(receiver.fastify, { path: "/hook" });
    const response = await app.inject({ method: "POST", url: "/hook" });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: { reason: "SIGNATURE_MISSING" } });
    await app.close();
  });

  test("a JSON parser that ran first is named: the signature needs the raw body", async () => {
    const receiver = webhookReceiver(s.subs, () => {}, { onError: () => {} });
    const app = express();
    app.use(express.json());
    app.post("/hook", receiver.node);
    const url = await listening(createServer(app));
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { code: "RAW_BODY_NEEDED" } });
  });

  test("a body past the limit is 413 from every adapter, before anything is verified", async () => {
    const receiver = webhookReceiver(s.subs, () => {}, { maxBodyBytes: 10, onError: () => {} });
    const body = JSON.stringify({ padding: "x".repeat(100) });
    const viaFetch = await receiver.fetch(new Request("http://receiver.test/hook", { method: "POST", body }));
    expect(viaFetch.status).toBe(413);
    const server = await httpServer((req, res) => void receiver.node(req, res));
    cleanup.push(server.close);
    const viaNode = await fetch(server.url, { method: "POST", body });
    expect(viaNode.status).toBe(413);
    expect(await viaNode.json()).toMatchObject({ error: { reason: "BODY_TOO_LARGE" } });
  });
});
