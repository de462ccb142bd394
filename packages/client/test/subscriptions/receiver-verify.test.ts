/**
 * The webhook receiver's checks (PROTOCOL §7.1, §12.10), with a key pair of the test's own and
 * a key set served through the client's fetch: a good wake passes; a missing, malformed,
 * stale, future, tampered or foreign signature, an unknown key, a body that is not a wake, an
 * unexpected subscription, a replay and an oversized body are each refused with their reason
 * and status; a key set that cannot be fetched is a retryable 503; key rotation is learned by
 * fetching the set again, within the cooldown.
 */
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import type { FetchLike } from "@rivulet/client";
import {
  SubscriptionsClient,
  type WebhookReceiverOptions,
  WebhookRejectedError,
  webhookReceiver,
} from "@rivulet/client/subscriptions";
import { describe, expect, test } from "vitest";

interface TestKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

function testKey(kid: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { kid, privateKey, jwk: { ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "EdDSA" } };
}

/** A key set served by a fetch that counts its calls; `keys` may change between them. */
function keyServer(keys: TestKey[]) {
  const server = {
    keys,
    fetches: 0,
    status: 200,
    fetch: (async (url: string) => {
      server.fetches++;
      expect(url).toBe("http://keys.test/v1/stream/__ds/jwks.json");
      const body = JSON.stringify({ keys: server.keys.map((key) => key.jwk) });
      return new Response(body, { status: server.status, headers: { "content-type": "application/jwk-set+json" } });
    }) as FetchLike,
  };
  return server;
}

const wakeBody = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    subscription_id: "orders",
    wake_id: `w_${Math.random().toString(36).slice(2)}`,
    generation: 3,
    streams: [
      {
        path: "orders/1",
        link_type: "glob",
        acked_offset: "0000000000000000_0000000000000000",
        tail_offset: "0000000000000000_0000000000000010",
        has_pending: true,
      },
    ],
    callback_url: "http://keys.test/v1/stream/__ds/subscriptions/orders/callback",
    callback_token: "token",
    ...overrides,
  });

function signed(body: string, key: TestKey, at = Date.now(), kid = key.kid) {
  const t = Math.floor(at / 1000);
  const signature = sign(null, Buffer.from(`${t}.${body}`), key.privateKey).toString("base64url");
  return { headers: { "webhook-signature": `t=${t},kid=${kid},ed25519=${signature}` }, body };
}

function receiverFor(fetchImpl: FetchLike, options: WebhookReceiverOptions = {}) {
  const client = new SubscriptionsClient({ baseUrl: "http://keys.test/v1/stream", fetch: fetchImpl });
  return webhookReceiver(client, () => {}, { onError: () => {}, ...options });
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as WebhookRejectedError,
  );

describe("a signed wake", () => {
  test("passes and reads as the wake it names", async () => {
    const key = testKey("k1");
    const receiver = receiverFor(keyServer([key]).fetch);
    const body = wakeBody({ wake_id: "w_1" });
    expect(await receiver.verify(signed(body, key))).toEqual({
      subscriptionId: "orders",
      wakeId: "w_1",
      generation: 3,
      streams: [
        {
          path: "orders/1",
          linkType: "glob",
          ackedOffset: "0000000000000000_0000000000000000",
          tailOffset: "0000000000000000_0000000000000010",
          hasPending: true,
        },
      ],
      callbackUrl: "http://keys.test/v1/stream/__ds/subscriptions/orders/callback",
      callbackToken: "token",
    });
  });

  test("the key set is fetched once and cached", async () => {
    const key = testKey("k1");
    const keys = keyServer([key]);
    const receiver = receiverFor(keys.fetch);
    await receiver.verify(signed(wakeBody(), key));
    await receiver.verify(signed(wakeBody(), key));
    expect(keys.fetches).toBe(1);
  });
});

describe("refused", () => {
  const key = testKey("k1");

  test.each([
    ["no header", {}, "SIGNATURE_MISSING"],
    ["not key=value", { "webhook-signature": "garbage" }, "SIGNATURE_MALFORMED"],
    [
      "a timestamp that is not a number",
      { "webhook-signature": `t=now,kid=k1,ed25519=${"A".repeat(86)}` },
      "SIGNATURE_MALFORMED",
    ],
    ["no kid", { "webhook-signature": `t=1,ed25519=${"A".repeat(86)}` }, "SIGNATURE_MALFORMED"],
    ["a signature of the wrong length", { "webhook-signature": "t=1,kid=k1,ed25519=AAAA" }, "SIGNATURE_MALFORMED"],
    ["a parameter twice", { "webhook-signature": `t=1,t=2,kid=k1,ed25519=${"A".repeat(86)}` }, "SIGNATURE_MALFORMED"],
  ])("%s", async (_, headers, reason) => {
    const receiver = receiverFor(keyServer([key]).fetch);
    const error = await rejection(receiver.verify({ headers, body: wakeBody() }));
    expect(error).toBeInstanceOf(WebhookRejectedError);
    expect(error).toMatchObject({ code: "WEBHOOK_REJECTED", reason, responseStatus: 401 });
  });

  test("signed outside the replay window, or further in the future than the clock skew", async () => {
    const receiver = receiverFor(keyServer([key]).fetch);
    const old = await rejection(receiver.verify(signed(wakeBody(), key, Date.now() - 332_000)));
    expect(old).toMatchObject({ reason: "TIMESTAMP_OUT_OF_WINDOW", responseStatus: 401 });
    expect(old?.message).toMatch(/ago, past the replay window/);
    const future = await rejection(receiver.verify(signed(wakeBody(), key, Date.now() + 60_000)));
    expect(future).toMatchObject({ reason: "TIMESTAMP_OUT_OF_WINDOW" });
    expect(future?.message).toMatch(/in the future/);
    // Within the skew either way: accepted.
    await receiver.verify(signed(wakeBody(), key, Date.now() + 20_000));
    await receiver.verify(signed(wakeBody(), key, Date.now() - 320_000));
  });

  test("the window and the skew are settings", async () => {
    const receiver = receiverFor(keyServer([key]).fetch, { replayWindowMs: 10_000, clockSkewMs: 90_000 });
    await receiver.verify(signed(wakeBody(), key, Date.now() + 80_000));
    const old = await rejection(receiver.verify(signed(wakeBody(), key, Date.now() - 120_000)));
    expect(old?.reason).toBe("TIMESTAMP_OUT_OF_WINDOW");
  });

  test("a tampered body, and a signature by another key under the same kid", async () => {
    const receiver = receiverFor(keyServer([key]).fetch);
    const good = signed(wakeBody({ generation: 3 }), key);
    const tampered = { ...good, body: good.body.replace('"generation":3', '"generation":4') };
    expect(await rejection(receiver.verify(tampered))).toMatchObject({
      reason: "SIGNATURE_INVALID",
      responseStatus: 401,
    });
    const impostor = { ...testKey("k1") };
    expect(await rejection(receiver.verify(signed(wakeBody(), impostor)))).toMatchObject({
      reason: "SIGNATURE_INVALID",
    });
  });

  test("a body that is not a wake, signed all the same", async () => {
    const receiver = receiverFor(keyServer([key]).fetch);
    const notJson = await rejection(receiver.verify(signed("not json", key)));
    expect(notJson).toMatchObject({ reason: "WAKE_MALFORMED", responseStatus: 400 });
    const noStreams = await rejection(receiver.verify(signed(wakeBody({ streams: "none" }), key)));
    expect(noStreams).toMatchObject({ reason: "WAKE_MALFORMED" });
    expect(noStreams?.message).toMatch(/streams is not an array/);
  });

  test("a wake for a subscription the receiver does not serve (§12.10)", async () => {
    const receiver = receiverFor(keyServer([key]).fetch, { subscriptionIds: ["invoices"] });
    const error = await rejection(receiver.verify(signed(wakeBody(), key)));
    expect(error).toMatchObject({ reason: "SUBSCRIPTION_UNEXPECTED", responseStatus: 403 });
  });

  test("the same wake a second time is a replay", async () => {
    const receiver = receiverFor(keyServer([key]).fetch);
    const request = signed(wakeBody(), key);
    await receiver.verify(request);
    expect(await rejection(receiver.verify(request))).toMatchObject({ reason: "WAKE_REPLAYED", responseStatus: 409 });
  });

  test("a body past maxBodyBytes", async () => {
    const receiver = receiverFor(keyServer([key]).fetch, { maxBodyBytes: 100 });
    const error = await rejection(receiver.verify(signed(wakeBody(), key)));
    expect(error).toMatchObject({ reason: "BODY_TOO_LARGE", responseStatus: 413 });
  });

  test("handle() answers a refusal with its status and reason, and runs no handler", async () => {
    let handled = false;
    const client = new SubscriptionsClient({ baseUrl: "http://keys.test/v1/stream", fetch: keyServer([key]).fetch });
    const handler = () => {
      handled = true;
    };
    const receiver = webhookReceiver(client, handler, { onError: () => {} });
    const answer = await receiver.handle({ headers: {}, body: wakeBody() });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: "WEBHOOK_REJECTED", reason: "SIGNATURE_MISSING", message: "No Webhook-Signature header" },
    });
    expect(handled).toBe(false);
  });
});

describe("keys", () => {
  test("an unknown kid fetches the set again (a rotated key) once the cooldown allows", async () => {
    const [k1, k2] = [testKey("k1"), testKey("k2")];
    const keys = keyServer([k1]);
    const receiver = receiverFor(keys.fetch, { keyCooldownMs: 0 });
    await receiver.verify(signed(wakeBody(), k1));
    keys.keys = [k1, k2];
    await receiver.verify(signed(wakeBody(), k2));
    expect(keys.fetches).toBe(2);
    // Still unknown after fetching again: refused.
    expect(await rejection(receiver.verify(signed(wakeBody(), testKey("k3"))))).toMatchObject({
      reason: "UNKNOWN_KEY",
      responseStatus: 401,
    });
    expect(keys.fetches).toBe(3);
  });

  test("within the cooldown an unknown kid is refused without fetching the set again", async () => {
    const [k1, k2] = [testKey("k1"), testKey("k2")];
    const keys = keyServer([k1]);
    const receiver = receiverFor(keys.fetch);
    await receiver.verify(signed(wakeBody(), k1));
    keys.keys = [k1, k2];
    expect(await rejection(receiver.verify(signed(wakeBody(), k2)))).toMatchObject({ reason: "UNKNOWN_KEY" });
    expect(keys.fetches).toBe(1);
  });

  test("a key set that cannot be fetched is a retryable failure, answered 503", async () => {
    const key = testKey("k1");
    const keys = keyServer([key]);
    keys.status = 500;
    const receiver = receiverFor(keys.fetch);
    const error = await rejection(receiver.verify(signed(wakeBody(), key)));
    expect(error).toMatchObject({ code: "SERVER_ERROR", isRetryable: true });
    expect(error?.message).toMatch(/Could not load the webhook signing keys from http:\/\/keys\.test/);
    const answer = await receiver.handle(signed(wakeBody(), key));
    expect(answer.status).toBe(503);

    const down = receiverFor(async () => {
      throw new TypeError("fetch failed");
    });
    expect(await rejection(down.verify(signed(wakeBody(), key)))).toMatchObject({ code: "NETWORK", isRetryable: true });
  });
});

test("options that cannot work are INVALID_ARGUMENT", () => {
  const client = new SubscriptionsClient({ baseUrl: "http://keys.test/v1/stream" });
  expect(() => webhookReceiver(client, undefined as never)).toThrow(expect.objectContaining({ option: "handler" }));
  for (const [option, value] of [
    ["replayWindowMs", 0],
    ["clockSkewMs", -1],
    ["maxBodyBytes", 1.5],
    ["respond", "later"],
    ["onError", "log"],
  ] as const) {
    expect(() => webhookReceiver(client, () => {}, { [option]: value })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", option }),
    );
  }
});
