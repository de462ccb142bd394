/**
 * A subscription runs on one node (the lease holder in a cluster; here node A), yet appends made
 * through any node are pending work for it: another node's append reaches A's subscription
 * service as a remote engine event (cluster/change-feed/remote-events.ts) and wakes it.
 */
import { ChangeBus, MemoryStore, type ServerOptions } from "@rivulet/server";
import { afterEach, expect, test } from "vitest";
import type { TestApp } from "../handlers/helpers.js";
import {
  bodyOf,
  json,
  offset,
  putSub,
  stream,
  subPath,
  subscriptionApp,
  until,
  wakeCall,
} from "../subscriptions/support.js";

const open: TestApp[] = [];
afterEach(async () => {
  for (const app of open.splice(0)) await app.close();
});

interface Claimed {
  wake_id: string;
  generation: number;
  token: string;
  streams: Array<{ path: string; acked_offset: string; tail_offset: string }>;
}

test("a stream created and appended to through node B wakes a pull-wake subscription served by node A", async () => {
  const store = new MemoryStore();
  const bus = new ChangeBus();
  const node = (id: string): ServerOptions => ({ store, cluster: { changeFeed: bus.feed(id) } });
  const a = await subscriptionApp(node("a"));
  const b = await subscriptionApp(node("b"));
  open.push(a, b);
  const claim = () => a.request(`${subPath("p")}/claim`, json("POST", { worker: "w" }));

  await a.create(stream("wake/pool"), "application/json", "[]");
  const sub = { type: "pull-wake", pattern: "jobs/*", wake_stream: "wake/pool", lease_ttl_ms: 5000 };
  expect((await putSub(a, "p", sub)).status).toBe(201);
  await b.create(stream("jobs/a"), "text/plain", "abc"); // linked by the pattern on A
  let claimed: Claimed | undefined;
  await until(async () => {
    const res = await claim();
    if (res.status === 200) claimed = (await res.json()) as Claimed;
    return claimed !== undefined;
  });
  const first = claimed!;
  expect(first.streams).toMatchObject([{ path: "jobs/a", acked_offset: offset(0), tail_offset: offset(3) }]);
  const ack = await wakeCall(a, "p", "ack", first.token, {
    wake_id: first.wake_id,
    generation: first.generation,
    acks: [{ stream: "jobs/a", offset: offset(3) }],
    done: true,
  });
  expect(await ack.json()).toEqual({ ok: true, next_wake: false });

  await b.append(stream("jobs/a"), "text/plain", "more");
  await until(async () =>
    (await bodyOf<unknown[]>(a.request(stream("wake/pool")))).some(
      (e) => (e as { generation: number }).generation === 2,
    ),
  );
  const second = await claim();
  expect(second.status).toBe(200);
  expect(((await second.json()) as Claimed).streams).toMatchObject([
    { path: "jobs/a", acked_offset: offset(3), tail_offset: offset(7) },
  ]);
});

test("a claim right after another node acknowledged an append sees the work, notice or not", async () => {
  const store = new MemoryStore();
  // Each node on a feed of its own: A never hears B's notices, so only the store tells A.
  const a = await subscriptionApp({ store, cluster: { changeFeed: new ChangeBus().feed("a") } });
  const b = await subscriptionApp({ store, cluster: { changeFeed: new ChangeBus().feed("b") } });
  open.push(a, b);
  const claim = () => a.request(`${subPath("p")}/claim`, json("POST", { worker: "w" }));
  await a.create(stream("wake/pool"), "application/json", "[]");
  const sub = { type: "pull-wake", pattern: "jobs/*", wake_stream: "wake/pool", lease_ttl_ms: 5000 };
  expect((await putSub(a, "p", sub)).status).toBe(201);
  await a.create(stream("jobs/a"), "text/plain", "abc");
  const first = await bodyOf<Claimed>(claim());
  await wakeCall(a, "p", "ack", first.token, {
    wake_id: first.wake_id,
    generation: first.generation,
    acks: [{ stream: "jobs/a", offset: offset(3) }],
    done: true,
  });

  await b.append(stream("jobs/a"), "text/plain", "more");
  const second = await claim();
  expect(second.status).toBe(200);
  expect(((await second.json()) as Claimed).streams).toMatchObject([
    { path: "jobs/a", acked_offset: offset(3), tail_offset: offset(7) },
  ]);
});
