/**
 * Managing subscriptions (PROTOCOL §6.2–6.4) against a real server: create and re-confirm,
 * read, list with paging, link and unlink streams, delete; options checked before any
 * request; and every server refusal as a typed error with its stable code.
 */
import { isStreamError, type StreamError } from "@rivulet/client";
import { AlreadyClaimedError, type SubscriptionConfig } from "@rivulet/client/subscriptions";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type SubsServer, startSubsServer, uniqueId } from "./support.js";

let s: SubsServer;
beforeAll(async () => {
  s = await startSubsServer({ subscriptions: { maxStreamsPerSubscription: 3, maxSubscriptions: 40 } });
});
afterAll(() => s.close());

const hook = "http://127.0.0.1:9/hook";
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: StreamError) => error,
  );

describe("create, get, delete", () => {
  test("creates (201), re-confirms an identical config (200), and refuses a different one with SUBSCRIPTION_EXISTS", async () => {
    const id = uniqueId("orders");
    const prefix = uniqueId("o");
    const tail = await s.createStream(`${prefix}/1`, '{"n":1}');
    const config: SubscriptionConfig = {
      pattern: `${prefix}/*`,
      webhook: hook,
      leaseTtlMs: 5000,
      description: "orders",
    };
    const first = await s.subs.create(id, config);
    expect(first.created).toBe(true);
    expect(first.subscription).toEqual({
      id,
      type: "webhook",
      pattern: `${prefix}/*`,
      streams: [{ path: `${prefix}/1`, linkType: "glob", ackedOffset: tail }],
      webhookUrl: hook,
      signing: { alg: "ed25519", kid: expect.stringMatching(/^ds_/), jwksUrl: `${s.root}/__ds/jwks.json` },
      wakeStream: null,
      leaseTtlMs: 5000,
      createdAt: expect.any(String),
      status: "active",
      description: "orders",
      generation: 0,
      nextAttemptAt: null,
    });
    const again = await s.subs.create(id, config);
    expect(again.created).toBe(false);
    expect(again.subscription).toEqual(first.subscription);

    const conflict = await failure(s.subs.create(id, { ...config, description: "other" }));
    expect(conflict).toMatchObject({ code: "SUBSCRIPTION_EXISTS", status: 409, serverCode: "SUBSCRIPTION_EXISTS" });
    expect(conflict?.message).toMatch(/different configuration \(409\)$/);
    expect(conflict?.isRetryable).toBe(false);
  });

  test("a pull-wake subscription over explicit streams; get shows its cursors; delete removes it", async () => {
    const id = uniqueId("jobs");
    const { created, subscription } = await s.subs.create(id, {
      streams: ["jobs/b", "jobs/a"],
      wakeStream: "wake/pool",
    });
    expect(created).toBe(true);
    expect(subscription).toMatchObject({ type: "pull-wake", wakeStream: "wake/pool", webhookUrl: null, signing: null });
    expect((await s.subs.get(id)).streams.map((link) => [link.path, link.linkType])).toEqual([
      ["jobs/a", "explicit"],
      ["jobs/b", "explicit"],
    ]);
    await s.subs.delete(id);
    const gone = await failure(s.subs.get(id));
    expect(gone).toMatchObject({ code: "NOT_FOUND", status: 404, serverCode: "SUBSCRIPTION_NOT_FOUND" });
    expect((await failure(s.subs.delete(id)))?.code).toBe("NOT_FOUND");
  });

  test("addStreams links explicitly; removeStream unlinks, leaving a matching glob link", async () => {
    const id = uniqueId("links");
    const prefix = uniqueId("l");
    await s.createStream(`${prefix}/x`);
    await s.subs.create(id, { pattern: `${prefix}/*`, webhook: hook });
    await s.subs.addStreams(id, [`${prefix}/x`, "elsewhere/with space"]);
    const linked = (await s.subs.get(id)).streams.map((link) => [link.path, link.linkType]);
    expect(linked).toEqual([
      ["elsewhere/with space", "explicit"],
      [`${prefix}/x`, "explicit"],
    ]);
    await s.subs.removeStream(id, "elsewhere/with space");
    await s.subs.removeStream(id, `${prefix}/x`);
    expect((await s.subs.get(id)).streams.map((link) => [link.path, link.linkType])).toEqual([[`${prefix}/x`, "glob"]]);
  });
});

describe("listing", () => {
  test("pages in id order; listAll follows next to the end", async () => {
    const prefix = uniqueId("page");
    const ids = [1, 2, 3, 4, 5].map((n) => `${prefix}-${n}`);
    for (const id of ids) await s.subs.create(id, { streams: ["p/x"], webhook: hook });
    const first = await s.subs.list({ after: `${prefix}-0`, limit: 2 });
    expect(first.subscriptions.map((sub) => sub.id)).toEqual(ids.slice(0, 2));
    expect(first.next).toBe(ids[1]);
    expect(first.subscriptions[0]).toMatchObject({ streamCount: 1, pendingStreams: 0, webhookUrl: hook });
    const all: string[] = [];
    for await (const sub of s.subs.listAll({ limit: 2 })) all.push(sub.id);
    expect(all.filter((id) => id.startsWith(prefix))).toEqual(ids);
    expect(all).toEqual([...all].sort());
  });

  test("a bad limit is the server's BAD_REQUEST", async () => {
    expect(await failure(s.subs.list({ limit: 5000 }))).toMatchObject({ code: "BAD_REQUEST", status: 400 });
  });
});

describe("refusals keep the server's code", () => {
  const refused = async (id: string, config: SubscriptionConfig) => failure(s.subs.create(id, config));

  test.each([
    ["a bad id", "-starts-with-dash", { streams: ["a"], webhook: hook }, "INVALID_SUBSCRIPTION"],
    ["a private target", "ssrf", { streams: ["a"], webhook: "http://10.1.2.3/hook" }, "WEBHOOK_URL_REJECTED"],
    ["a long URL", "long", { streams: ["a"], webhook: `http://127.0.0.1/${"x".repeat(3000)}` }, "WEBHOOK_URL_TOO_LONG"],
    ["a complex pattern", "glob", { pattern: "**/a/**/b/**", webhook: hook }, "PATTERN_TOO_COMPLEX"],
    ["too many streams", "many", { streams: ["a", "b", "c", "d"], webhook: hook }, "TOO_MANY_SUBSCRIPTION_STREAMS"],
    ["a reserved wake stream", "wake", { streams: ["a"], wakeStream: "__ds/x" }, "INVALID_SUBSCRIPTION"],
  ] as const)("%s", async (_, id, config, code) => {
    const error = await refused(id, config as SubscriptionConfig);
    expect(error).toMatchObject({ code, status: 400, serverCode: code, isRetryable: false });
  });

  test("the subscription limit is SUBSCRIPTION_LIMIT_REACHED, final at once: no retries", async () => {
    const limited = await startSubsServer({ subscriptions: { maxSubscriptions: 1 } });
    try {
      const attempts: number[] = [];
      const subs = limited.client({
        onEvent: (event) => {
          if (event.type === "request:start") attempts.push(event.attempt);
        },
      });
      await subs.create("one", { streams: ["a"], webhook: hook });
      attempts.length = 0;
      const error = await failure(subs.create("two", { streams: ["a"], webhook: hook }));
      expect(error).toMatchObject({ code: "SUBSCRIPTION_LIMIT_REACHED", status: 507, isRetryable: false });
      expect(attempts).toEqual([1]);
    } finally {
      await limited.close();
    }
  });

  test("adding streams past the limit is TOO_MANY_SUBSCRIPTION_STREAMS; adding to a missing one is NOT_FOUND", async () => {
    const id = uniqueId("add");
    await s.subs.create(id, { streams: ["a", "b"], webhook: hook });
    expect((await failure(s.subs.addStreams(id, ["c", "d"])))?.code).toBe("TOO_MANY_SUBSCRIPTION_STREAMS");
    expect((await failure(s.subs.addStreams(uniqueId("missing"), ["c"])))?.code).toBe("NOT_FOUND");
  });
});

describe("wake requests", () => {
  test("claim, heartbeat, ack with done; a second claimer meets ALREADY_CLAIMED naming the holder; stale acks are FENCED", async () => {
    const id = uniqueId("claim");
    const path = uniqueId("c");
    await s.createStream("wake/claims");
    await s.subs.create(id, { streams: [path], wakeStream: "wake/claims", leaseTtlMs: 5000 });
    const tail = await s.createStream(path, '{"job":1}');
    const claim = await s.subs.claim(id, "worker-1");
    expect(claim).toEqual({
      subscriptionId: id,
      wakeId: expect.stringMatching(/^w_/),
      generation: 1,
      token: expect.any(String),
      streams: [{ path, linkType: "explicit", ackedOffset: expect.any(String), tailOffset: tail, hasPending: true }],
      leaseTtlMs: 5000,
    });
    const busy = await failure(s.subs.claim(id, "worker-2"));
    expect(busy).toBeInstanceOf(AlreadyClaimedError);
    expect(busy).toMatchObject({ code: "ALREADY_CLAIMED", currentHolder: "worker-1", generation: 1, status: 409 });

    expect(await s.subs.ack(claim!, [])).toEqual({ nextWake: false });
    expect(await s.subs.ack(claim!, [{ stream: path, offset: tail }], { done: true })).toEqual({ nextWake: false });
    expect((await s.subs.get(id)).streams[0]?.ackedOffset).toBe(tail);
    const stale = await failure(s.subs.ack(claim!, [], { done: true }));
    expect(stale).toMatchObject({ code: "FENCED", status: 409, isRetryable: false });
    expect((await failure(s.subs.release(claim!)))?.code).toBe("FENCED");
    // Nothing pending and no wake in flight: nothing to claim.
    expect(await s.subs.claim(id, "worker-2")).toBeUndefined();
  });

  test("release gives the wake back for another claim; a bad ack is INVALID_ACK; a bad token UNAUTHORIZED", async () => {
    const id = uniqueId("release");
    const path = uniqueId("r");
    await s.createStream("wake/releases");
    await s.subs.create(id, { streams: [path], wakeStream: "wake/releases" });
    await s.createStream(path, '{"job":1}');
    const claim = (await s.subs.claim(id, "worker-1"))!;
    const invalid = await failure(s.subs.ack(claim, [{ stream: "not/linked", offset: claim.streams[0]!.tailOffset }]));
    expect(invalid).toMatchObject({ code: "INVALID_ACK", status: 400 });
    const forged = await failure(s.subs.ack({ ...claim, token: "not-a-token" }, []));
    expect(forged).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
    await s.subs.release(claim);
    const next = await s.subs.claim(id, "worker-2");
    expect(next?.generation).toBe(claim.generation + 1);
  });

  test("request:error events carry the subscription code, as the thrown error does", async () => {
    const codes: string[] = [];
    const client = s.client({
      onEvent: (event) => {
        if (event.type === "request:error") codes.push(event.error.code);
      },
    });
    const id = uniqueId("events");
    await s.createStream("wake/events");
    await client.create(id, { streams: ["e"], wakeStream: "wake/events" });
    await failure(client.create(id, { streams: ["other"], wakeStream: "wake/events" }));
    await failure(client.ack({ subscriptionId: id, wakeId: "w_none", generation: 9, token: "x" }, []));
    expect(codes).toEqual(["SUBSCRIPTION_EXISTS", "UNAUTHORIZED"]);
  });

  test("claiming a webhook subscription is the server's BAD_REQUEST", async () => {
    const id = uniqueId("hook");
    await s.subs.create(id, { streams: ["x"], webhook: hook });
    expect(await failure(s.subs.claim(id, "w"))).toMatchObject({ code: "BAD_REQUEST", status: 400 });
  });

  test("rotateSigningKey names a new key that the JWKS publishes", async () => {
    await s.subs.create(uniqueId("keys"), { streams: ["x"], webhook: hook });
    const { kid } = await s.subs.rotateSigningKey();
    const jwks = (await (await fetch(s.subs.jwksUrl)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toContain(kid);
  });
});

describe("options are checked before any request", () => {
  const requests: string[] = [];
  const subs = () =>
    s.client({
      onEvent: (event) => {
        if (event.type === "request:start") requests.push(event.url);
      },
    });

  test.each([
    ["no delivery", { pattern: "a/*" }, "webhook"],
    ["both deliveries", { pattern: "a/*", webhook: hook, wakeStream: "w" }, "webhook"],
    ["no streams", { webhook: hook }, "pattern"],
    ["an empty pattern", { pattern: "", webhook: hook }, "pattern"],
    ["a bad stream list", { streams: ["a", ""], webhook: hook }, "streams"],
    ["a lease too short", { pattern: "a/*", webhook: hook, leaseTtlMs: 10 }, "leaseTtlMs"],
    ["a webhook that is not a URL", { pattern: "a/*", webhook: "ftp://x" }, "webhook"],
    ["an empty wake stream", { pattern: "a/*", wakeStream: "" }, "wakeStream"],
  ])("%s is INVALID_ARGUMENT naming the field", async (_, config, option) => {
    const error = await failure(subs().create("x", config as SubscriptionConfig));
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", option });
    expect(requests).toEqual([]);
  });

  test("ids, stream lists, paths and worker names", async () => {
    const client = subs();
    const errors = await Promise.all([
      failure(client.get("")),
      failure(client.addStreams("x", ["ok", 7 as unknown as string])),
      failure(client.removeStream("x", "/")),
      failure(client.claim("x", "")),
    ]);
    expect(errors.map((error) => [error?.code, (error as { option?: string }).option])).toEqual([
      ["INVALID_ARGUMENT", "id"],
      ["INVALID_ARGUMENT", "streams"],
      ["INVALID_ARGUMENT", "path"],
      ["INVALID_ARGUMENT", "worker"],
    ]);
    expect(requests).toEqual([]);
    expect(() => s.client({ baseUrl: undefined } as never)).toThrow(/baseUrl/);
  });
});

test("the client's token is sent with management requests, and a wake's own token with wake requests", async () => {
  const seen: { url: string; authorization: string | null }[] = [];
  const subs = s.client({
    token: "service-token",
    fetch: (input, init) => {
      seen.push({ url: input, authorization: new Headers(init.headers).get("authorization") });
      return fetch(input, init);
    },
  });
  const id = uniqueId("auth");
  await s.createStream("wake/auth");
  await subs.create(id, { streams: [uniqueId("a")], wakeStream: "wake/auth" });
  await subs.ack({ subscriptionId: id, wakeId: "w_x", generation: 1, token: "wake-token" }, []).catch((error) => {
    expect(isStreamError(error, "FENCED") || isStreamError(error, "UNAUTHORIZED")).toBe(true);
  });
  expect(seen.map((entry) => entry.authorization)).toEqual(["Bearer service-token", "Bearer wake-token"]);
});

describe("answers that are not what the protocol promises are PARSE_ERROR", () => {
  const answering = (body: string, status = 200) =>
    s.client({
      fetch: async () => new Response(body, { status, headers: { "content-type": "application/json" } }),
    });

  test.each([
    ["not JSON", "<html>", /not JSON/],
    ["a subscription without its type", JSON.stringify({ id: "x" }), /subscription's type is not webhook or pull-wake/],
    [
      "a stream entry without its cursor",
      JSON.stringify({
        id: "x",
        type: "webhook",
        pattern: null,
        webhook: null,
        wake_stream: null,
        lease_ttl_ms: 1000,
        created_at: "t",
        status: "active",
        description: null,
        generation: 0,
        next_attempt_at: null,
        streams: [{ path: "a", link_type: "glob" }],
      }),
      /streams entry's acked_offset is not a string/,
    ],
  ])("%s", async (_, body, message) => {
    const error = await failure(answering(body).get("x"));
    expect(error).toMatchObject({ code: "PARSE_ERROR" });
    expect(error?.message).toMatch(message);
  });

  test("a claim, an ack answer and a listing missing their fields", async () => {
    const lease = { subscriptionId: "x", wakeId: "w", generation: 1, token: "t" };
    expect((await failure(answering("{}").claim("x", "w")))?.message).toMatch(/claim's wake_id is not a string/);
    expect((await failure(answering("{}").ack(lease, [])))?.message).toMatch(
      /ack answer's next_wake is not true or false/,
    );
    expect((await failure(answering('{"subscriptions": 3}').list()))?.message).toMatch(
      /listing's subscriptions is not an array/,
    );
    expect((await failure(answering("{}").rotateSigningKey()))?.code).toBe("PARSE_ERROR");
  });
});

test("the server's code and details survive a global Response replaced by Hono's Node server", async () => {
  // Its lightweight Response makes a new headers object once the body is read.
  const { serve } = await import("@hono/node-server");
  const original = globalThis.Response;
  const hono = serve({ fetch: () => new Response("ok"), port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => hono.close(() => resolve()));
  expect(globalThis.Response).not.toBe(original);
  const body = { error: { code: "ALREADY_CLAIMED", message: "held", current_holder: "w-9", generation: 4 } };
  const client = s.client({
    fetch: async () =>
      new Response(JSON.stringify(body), { status: 409, headers: { "content-type": "application/json" } }),
  });
  const error = await failure(client.claim("x", "w"));
  expect(error).toMatchObject({ code: "ALREADY_CLAIMED", currentHolder: "w-9", generation: 4 });
});
