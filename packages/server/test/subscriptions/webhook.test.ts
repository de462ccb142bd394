/**
 * Webhook delivery (PROTOCOL §7.1, §7.3, §12.10): signed wakes to a real local receiver,
 * coalescing, `done` auto-ack, callbacks with acks, heartbeats and fencing, leases, deletion
 * in flight, and the errors of the callback endpoint.
 */
import { createPublicKey, verify } from "node:crypto";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { BASE, expectError, type TestApp } from "../handlers/helpers.js";
import {
  bodyOf,
  getSub,
  type Jwks,
  offset,
  putSub,
  Receiver,
  stream,
  subPath,
  subscriptionApp,
  until,
  wakeCall,
} from "./support.js";

let t: TestApp;
let receiver: Receiver;

beforeEach(async () => {
  t = await subscriptionApp();
  receiver = await Receiver.start();
});
afterEach(async () => {
  await t.close();
  await receiver.close();
});

const subscribe = (id: string, extra: object = {}) =>
  putSub(t, id, { type: "webhook", pattern: "ev/*", webhook: { url: receiver.url }, lease_ttl_ms: 1000, ...extra });

describe("delivery", () => {
  test("an append to a linked stream is POSTed as a signed wake naming the pending streams", async () => {
    expect((await subscribe("s")).status).toBe(201);
    await t.create(stream("ev/a"), "application/json", JSON.stringify({ n: 1 }));
    const { body, raw, headers } = await receiver.waitFor(1);
    expect(body).toEqual({
      subscription_id: "s",
      wake_id: expect.stringMatching(/^w_/),
      generation: 1,
      streams: [
        { path: "ev/a", link_type: "glob", acked_offset: offset(0), tail_offset: offset(9), has_pending: true },
      ],
      callback_url: `http://rivulet.test${BASE}/__ds/subscriptions/s/callback`,
      callback_token: expect.any(String),
    });
    expect(headers["content-type"]).toBe("application/json");
    const signature = /^t=(\d+),kid=([^,]+),ed25519=([A-Za-z0-9_-]+)$/.exec(String(headers["webhook-signature"]));
    expect(signature).not.toBeNull();
    const { keys } = await bodyOf<Jwks>(t.request(`${BASE}/__ds/jwks.json`));
    const key = { ...keys.find((k) => k.kid === signature![2])! };
    expect(Math.abs(Number(signature![1]) - Date.now() / 1000)).toBeLessThan(5);
    const valid = verify(
      null,
      Buffer.from(`${signature![1]}.${raw}`),
      createPublicKey({ key, format: "jwk" }),
      Buffer.from(signature![3]!, "base64url"),
    );
    expect(valid).toBe(true);
    // The token rides in the body for the receiver, never in a URL.
    expect(body.callback_url).not.toContain(body.callback_token);
  });

  test("`done` in the answer acks the wake's snapshot; data after it wakes again with a new generation", async () => {
    receiver.fallback = { status: 200, body: { done: true } };
    await subscribe("s");
    await t.create(stream("ev/a"), "text/plain", "abc");
    const first = await receiver.waitFor(1);
    await until(async () => (await getSub(t, "s")).streams[0]?.acked_offset === offset(3));
    await t.append(stream("ev/a"), "text/plain", "de");
    const second = await receiver.waitFor(2);
    expect(second.body.generation).toBe(first.body.generation + 1);
    expect(second.body.wake_id).not.toBe(first.body.wake_id);
    expect(second.body.streams).toEqual([
      { path: "ev/a", link_type: "glob", acked_offset: offset(3), tail_offset: offset(5), has_pending: true },
    ]);
    await until(async () => (await getSub(t, "s")).streams[0]?.acked_offset === offset(5));
  });

  test("appends while a wake is out coalesce into one next wake", async () => {
    await subscribe("s");
    await t.create(stream("ev/a"), "text/plain", "a");
    const first = await receiver.waitFor(1);
    for (const chunk of ["b", "c", "d", "e"]) await t.append(stream("ev/a"), "text/plain", chunk);
    await t.create(stream("ev/b"), "text/plain", "xy");
    const done = await wakeCall(t, "s", "callback", first.body.callback_token, {
      wake_id: first.body.wake_id,
      generation: first.body.generation,
      acks: [{ stream: "ev/a", offset: first.body.streams[0]!.tail_offset }],
      done: true,
    });
    expect(await done.json()).toEqual({ ok: true, next_wake: true });
    const second = await receiver.waitFor(2);
    expect(receiver.deliveries).toHaveLength(2);
    expect(second.body.streams.map((s) => [s.path, s.acked_offset, s.tail_offset])).toEqual([
      ["ev/a", offset(1), offset(5)],
      ["ev/b", offset(0), offset(2)],
    ]);
  });
});

describe("callbacks (§7.1, §7.3)", () => {
  async function woken() {
    await subscribe("s");
    await t.create(stream("ev/a"), "text/plain", "hello");
    return (await receiver.waitFor(1)).body;
  }

  test("acks without done keep the wake (heartbeat); done ends it; the same wake is then FENCED", async () => {
    const wake = await woken();
    const call = (body: object) =>
      wakeCall(t, "s", "callback", wake.callback_token, {
        wake_id: wake.wake_id,
        generation: wake.generation,
        ...body,
      });
    const partial = await call({ acks: [{ stream: "ev/a", offset: offset(2) }] });
    expect(partial.status).toBe(200);
    expect(await partial.json()).toEqual({ ok: true, next_wake: false });
    expect((await getSub(t, "s")).streams[0]!.acked_offset).toBe(offset(2));
    const done = await call({ acks: [{ stream: "ev/a", offset: offset(5) }], done: true });
    expect(await done.json()).toEqual({ ok: true, next_wake: false });
    await expectError(await call({ done: true }), 409, "FENCED");
    expect((await getSub(t, "s")).streams[0]!.acked_offset).toBe(offset(5));
  });

  test("an older ack never moves the cursor back", async () => {
    const wake = await woken();
    const call = (at: number) =>
      wakeCall(t, "s", "callback", wake.callback_token, {
        wake_id: wake.wake_id,
        generation: wake.generation,
        acks: [{ stream: "ev/a", offset: offset(at) }],
      });
    expect((await call(4)).status).toBe(200);
    expect((await call(1)).status).toBe(200);
    expect((await getSub(t, "s")).streams[0]!.acked_offset).toBe(offset(4));
  });

  test("errors: no token, a bad token, an unknown subscription, a bad body, a bad ack, a stale wake", async () => {
    const wake = await woken();
    const base = { wake_id: wake.wake_id, generation: wake.generation };
    const noToken = await t.request(`${subPath("s")}/callback`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(base),
    });
    await expectError(noToken, 401, "UNAUTHORIZED");
    await expectError(await wakeCall(t, "s", "callback", "not.a.token", base), 401, "UNAUTHORIZED");
    await expectError(await wakeCall(t, "other", "callback", wake.callback_token, base), 404, "SUBSCRIPTION_NOT_FOUND");
    await expectError(
      await wakeCall(t, "s", "callback", wake.callback_token, { wake_id: wake.wake_id }),
      400,
      "BAD_REQUEST",
    );
    await expectError(
      await wakeCall(t, "s", "callback", wake.callback_token, { ...base, done: "yes" }),
      400,
      "BAD_REQUEST",
    );
    await expectError(
      await wakeCall(t, "s", "callback", wake.callback_token, { ...base, acks: {} }),
      400,
      "BAD_REQUEST",
    );
    const ack = (acks: unknown) => wakeCall(t, "s", "callback", wake.callback_token, { ...base, acks });
    await expectError(await ack([{ stream: "ev/a", offset: "12" }]), 400, "INVALID_ACK");
    await expectError(await ack([{ stream: "ev/a" }]), 400, "INVALID_ACK");
    await expectError(await ack([{ stream: "ev/a", offset: offset(6) }]), 400, "INVALID_ACK");
    await expectError(await ack([{ stream: "ev/unlinked", offset: offset(1) }]), 400, "INVALID_ACK");
    await expectError(
      await wakeCall(t, "s", "callback", wake.callback_token, { ...base, generation: 99 }),
      409,
      "FENCED",
    );
    await expectError(
      await wakeCall(t, "s", "callback", wake.callback_token, { ...base, wake_id: "w_other" }),
      409,
      "FENCED",
    );
    // Nothing of the refused requests moved the cursor.
    expect((await getSub(t, "s")).streams[0]!.acked_offset).toBe(offset(0));
  });

  test("a token of a deleted and re-created subscription is refused", async () => {
    const wake = await woken();
    await t.request(subPath("s"), { method: "DELETE" });
    await expectError(
      await wakeCall(t, "s", "callback", wake.callback_token, {
        wake_id: wake.wake_id,
        generation: wake.generation,
        done: true,
      }),
      404,
      "SUBSCRIPTION_NOT_FOUND",
    );
    await subscribe("s");
    await t.append(stream("ev/a"), "text/plain", "!");
    const again = await receiver.waitFor(2);
    const stale = await wakeCall(t, "s", "callback", wake.callback_token, {
      wake_id: again.body.wake_id,
      generation: again.body.generation,
      done: true,
    });
    await expectError(stale, 409, "FENCED");
  });
});

describe("leases (§7.3)", () => {
  test("a wake nobody calls back for ends with its lease: the work is woken again, the old wake FENCED", async () => {
    await subscribe("s");
    await t.create(stream("ev/a"), "text/plain", "x");
    const first = (await receiver.waitFor(1)).body;
    const second = (await receiver.waitFor(2)).body;
    expect(second.generation).toBe(first.generation + 1);
    expect(second.streams[0]!.acked_offset).toBe(offset(0));
    const late = await wakeCall(t, "s", "callback", first.callback_token, {
      wake_id: first.wake_id,
      generation: first.generation,
      done: true,
    });
    await expectError(late, 409, "FENCED");
  });

  test("heartbeats keep the lease past its first end", async () => {
    await subscribe("s");
    await t.create(stream("ev/a"), "text/plain", "x");
    const wake = (await receiver.waitFor(1)).body;
    const started = Date.now();
    while (Date.now() - started < 1800) {
      const beat = await wakeCall(t, "s", "callback", wake.callback_token, {
        wake_id: wake.wake_id,
        generation: wake.generation,
      });
      expect(beat.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(receiver.deliveries).toHaveLength(1);
    const done = await wakeCall(t, "s", "callback", wake.callback_token, {
      wake_id: wake.wake_id,
      generation: wake.generation,
      acks: [{ stream: "ev/a", offset: offset(1) }],
      done: true,
    });
    expect(await done.json()).toEqual({ ok: true, next_wake: false });
  });

  test("deleting a subscription during a delivery: the answer changes nothing and nothing is woken again", async () => {
    receiver.script.push("hang");
    await subscribe("s");
    await t.create(stream("ev/a"), "text/plain", "x");
    await receiver.waitFor(1);
    expect((await t.request(subPath("s"), { method: "DELETE" })).status).toBe(204);
    await t.append(stream("ev/a"), "text/plain", "y");
    await expectError(await t.request(subPath("s")), 404, "SUBSCRIPTION_NOT_FOUND");
    // Another subscription on the same streams is the barrier: its wake is the only one that follows.
    await putSub(t, "s2", { type: "webhook", pattern: "ev/*", webhook: { url: receiver.url } });
    await t.append(stream("ev/a"), "text/plain", "z");
    expect((await receiver.waitFor(2)).body.subscription_id).toBe("s2");
    expect(receiver.deliveries.map((d) => d.body.subscription_id)).toEqual(["s", "s2"]);
  });
});
