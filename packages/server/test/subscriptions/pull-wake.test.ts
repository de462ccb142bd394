/**
 * Pull-wake subscriptions (PROTOCOL §7.2, §7.3): wake events on the app's wake stream, claims
 * with leases, ack as heartbeat and completion, release, lease expiry, and the errors.
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { expectError, type TestApp } from "../handlers/helpers.js";
import { bodyOf, getSub, json, offset, putSub, stream, subPath, subscriptionApp, until, wakeCall } from "./support.js";

let t: TestApp;

beforeEach(async () => {
  t = await subscriptionApp();
});
afterEach(() => t.close());

interface Claimed {
  wake_id: string;
  generation: number;
  token: string;
  streams: Array<{ path: string; acked_offset: string; tail_offset: string }>;
  lease_ttl_ms: number;
}

const claim = (worker: string, id = "p") => t.request(`${subPath(id)}/claim`, json("POST", { worker }));

async function wakeEvents(
  path = "wake/pool",
): Promise<Array<{ type: string; subscription_id: string; stream: string; generation: number; ts: number }>> {
  return bodyOf(t.request(stream(path)));
}

async function setUp(lease = 1000) {
  await t.create(stream("wake/pool"), "application/json", "[]");
  expect(
    (await putSub(t, "p", { type: "pull-wake", pattern: "jobs/*", wake_stream: "wake/pool", lease_ttl_ms: lease }))
      .status,
  ).toBe(201);
}

describe("wake events and claims", () => {
  test("pending work writes a wake event; the first claim wins, the next is ALREADY_CLAIMED with the holder", async () => {
    await setUp(5000);
    await t.create(stream("jobs/a"), "text/plain", "job");
    await until(async () => (await wakeEvents()).length > 0);
    const [event] = await wakeEvents();
    expect(event).toEqual({
      type: "wake",
      subscription_id: "p",
      stream: "jobs/a",
      generation: 1,
      ts: expect.any(Number),
    });
    const first = await claim("worker-1");
    expect(first.status).toBe(200);
    const claimed = (await first.json()) as Claimed;
    expect(claimed).toEqual({
      wake_id: expect.stringMatching(/^w_/),
      generation: 1,
      token: expect.any(String),
      streams: [
        { path: "jobs/a", link_type: "glob", acked_offset: offset(0), tail_offset: offset(3), has_pending: true },
      ],
      lease_ttl_ms: 5000,
    });
    const busy = await claim("worker-2");
    const body = await expectError(busy, 409, "ALREADY_CLAIMED");
    expect(body.error).toMatchObject({ current_holder: "worker-1", generation: 1 });
  });

  test("ack with done applies the acks and frees the subscription; nothing pending means nothing to claim (204)", async () => {
    await setUp();
    await t.create(stream("jobs/a"), "text/plain", "abc");
    const claimed = (await (await claim("w")).json()) as Claimed;
    const ack = await wakeCall(t, "p", "ack", claimed.token, {
      wake_id: claimed.wake_id,
      generation: claimed.generation,
      acks: [{ stream: "jobs/a", offset: offset(3) }],
      done: true,
    });
    expect(await ack.json()).toEqual({ ok: true, next_wake: false });
    expect((await claim("w")).status).toBe(204);
    expect((await getSub(t, "p")).streams).toEqual([{ path: "jobs/a", link_type: "glob", acked_offset: offset(3) }]);
  });

  test("done with work left over says next_wake and writes another wake event", async () => {
    await setUp();
    await t.create(stream("jobs/a"), "text/plain", "abc");
    const claimed = (await (await claim("w")).json()) as Claimed;
    await t.append(stream("jobs/a"), "text/plain", "more");
    const ack = await wakeCall(t, "p", "ack", claimed.token, {
      wake_id: claimed.wake_id,
      generation: claimed.generation,
      acks: [{ stream: "jobs/a", offset: offset(3) }],
      done: true,
    });
    expect(await ack.json()).toEqual({ ok: true, next_wake: true });
    await until(async () => (await wakeEvents()).some((e) => e.generation === 2));
  });

  test("release gives the wake back; pending work is announced again and claimable by another worker", async () => {
    await setUp();
    await t.create(stream("jobs/a"), "text/plain", "abc");
    const claimed = (await (await claim("w1")).json()) as Claimed;
    const released = await wakeCall(t, "p", "release", claimed.token, {
      wake_id: claimed.wake_id,
      generation: claimed.generation,
    });
    expect(released.status).toBe(204);
    await until(async () => (await wakeEvents()).some((e) => e.generation === 2));
    const next = (await (await claim("w2")).json()) as Claimed;
    expect(next.generation).toBe(2);
    await expectError(
      await wakeCall(t, "p", "release", claimed.token, { wake_id: claimed.wake_id, generation: claimed.generation }),
      409,
      "FENCED",
    );
    await expectError(
      await wakeCall(t, "p", "ack", claimed.token, {
        wake_id: claimed.wake_id,
        generation: claimed.generation,
        done: true,
      }),
      409,
      "FENCED",
    );
  });

  test("an expired lease frees the subscription: another worker claims a new generation, the old token is FENCED", async () => {
    await setUp(1000);
    await t.create(stream("jobs/a"), "text/plain", "abc");
    const first = (await (await claim("slow")).json()) as Claimed;
    await until(async () => (await claim("fast")).status === 200, 5000);
    expect((await getSub(t, "p")).generation).toBeGreaterThan(first.generation);
    await expectError(
      await wakeCall(t, "p", "ack", first.token, {
        wake_id: first.wake_id,
        generation: first.generation,
        acks: [{ stream: "jobs/a", offset: offset(3) }],
        done: true,
      }),
      409,
      "FENCED",
    );
    expect((await getSub(t, "p")).streams[0]!.acked_offset).toBe(offset(0));
  });

  test("errors: claims of a webhook or unknown subscription, a claim without a worker", async () => {
    await setUp();
    await putSub(t, "hook", { type: "webhook", pattern: "jobs/*", webhook: { url: "http://127.0.0.1:9/x" } });
    await expectError(await claim("w", "hook"), 400, "BAD_REQUEST");
    await expectError(await claim("w", "missing"), 404, "SUBSCRIPTION_NOT_FOUND");
    await expectError(await t.request(`${subPath("p")}/claim`, json("POST", {})), 400, "BAD_REQUEST");
    await expectError(
      await t.request(`${subPath("p")}/claim`, json("POST", { worker: "x".repeat(257) })),
      400,
      "BAD_REQUEST",
    );
    await expectError(await wakeCall(t, "p", "release", "a.b.c", { wake_id: "w", generation: 1 }), 401, "UNAUTHORIZED");
  });
});

describe("the wake stream", () => {
  test("a missing wake stream is retried with backoff (status failed) and announced once it exists", async () => {
    const app = await subscriptionApp({ subscriptions: { retryBaseMs: 50, retryMaxMs: 100 } });
    try {
      await putSub(app, "p", { type: "pull-wake", pattern: "jobs/*", wake_stream: "wake/later" });
      await app.create(stream("jobs/a"), "text/plain", "abc");
      await until(async () => (await getSub(app, "p")).status === "failed");
      expect((await getSub(app, "p")).next_attempt_at).not.toBeNull();
      await app.create(stream("wake/later"), "text/plain");
      await until(async () =>
        (await (await app.request(stream("wake/later"))).text()).includes('"subscription_id":"p"'),
      );
      await until(async () => (await getSub(app, "p")).status === "active");
      // A byte stream gets one JSON event per line.
      const text = await (await app.request(stream("wake/later"))).text();
      expect(JSON.parse(text.trim().split("\n")[0]!)).toMatchObject({
        type: "wake",
        subscription_id: "p",
        stream: "jobs/a",
      });
    } finally {
      await app.close();
    }
  });
});
