/**
 * The pull-wake worker against a real server: it follows the wake stream, claims, reads the
 * pending data, acks; renews the lease while a slow handler runs; gives the wake back when
 * stopped (stop(), its signal, `await using`) or when the handler fails, then backs off; ends a
 * fenced wake without an ack; and holds at most `concurrency` wakes at once.
 */
import { isStreamError } from "@rivulet/client";
import {
  PullWakeWorker,
  type PullWakeWorkerOptions,
  startWorker,
  type Wake,
  type WakeHandler,
  type WorkerEvent,
} from "@rivulet/client/subscriptions";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { deferred, Events, type SubsServer, startSubsServer, uniqueId } from "./support.js";

let s: SubsServer;
beforeAll(async () => {
  s = await startSubsServer();
});
afterAll(() => s.close());

const running: PullWakeWorker[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((worker) => worker.stop()));
});

/** A pull-wake subscription over `prefix/*` with its own wake stream (JSON unless told). */
async function pullWake(options: { leaseTtlMs?: number; wakeType?: string } = {}) {
  const id = uniqueId("jobs");
  const prefix = uniqueId("job");
  const wakeStream = uniqueId("wake");
  await s.createStream(wakeStream, undefined, options.wakeType ?? "application/json");
  await s.subs.create(id, { pattern: `${prefix}/*`, wakeStream, leaseTtlMs: options.leaseTtlMs ?? 5000 });
  const cursor = async (path: string) => (await s.subs.get(id)).streams.find((link) => link.path === path)?.ackedOffset;
  return { id, prefix, wakeStream, cursor };
}

async function worker(
  ids: string | string[],
  handler: WakeHandler,
  options: PullWakeWorkerOptions = {},
): Promise<{ worker: PullWakeWorker; events: Events<WorkerEvent> }> {
  const events = new Events<WorkerEvent>();
  const started = await startWorker(s.subs, ids, handler, { onEvent: events.push, ...options });
  running.push(started);
  return { worker: started, events };
}

const reading = (into: unknown[][]): WakeHandler => {
  return async (wake) => {
    const items: unknown[] = [];
    for (const stream of wake.streams) items.push(...(await (await wake.read(stream)).json()));
    into.push(items);
  };
};

const is =
  <T extends WorkerEvent["type"]>(type: T, more: (event: Extract<WorkerEvent, { type: T }>) => boolean = () => true) =>
  (event: WorkerEvent): boolean =>
    event.type === type && more(event as Extract<WorkerEvent, { type: T }>);

describe("claim, handle, ack", () => {
  test("a wake event is claimed, the pending data read and acked; the next append wakes it again", async () => {
    const { id, prefix, cursor } = await pullWake();
    const handled: unknown[][] = [];
    const { events } = await worker(id, reading(handled), { name: "w-1" });
    const first = await s.createStream(`${prefix}/a`, JSON.stringify({ job: 1 }));
    await events.next(is("acked", (e) => e.generation === 1));
    expect(await cursor(`${prefix}/a`)).toBe(first);
    const second = await s.append(`${prefix}/a`, JSON.stringify({ job: 2 }));
    await events.next(is("acked", (e) => e.generation === 2));
    expect(await cursor(`${prefix}/a`)).toBe(second);
    expect(handled).toEqual([[{ job: 1 }], [{ job: 2 }]]);
    expect(events.seen.find(is("claimed"))).toMatchObject({ subscriptionId: id, generation: 1, streams: 1 });
  });

  test("work pending before the worker started is claimed at start; a text wake stream named by option works too", async () => {
    const { id, prefix, wakeStream, cursor } = await pullWake({ wakeType: "text/plain" });
    const tail = await s.createStream(`${prefix}/early`, JSON.stringify({ job: 0 }));
    const handled: unknown[][] = [];
    const { events } = await worker(id, reading(handled), { wakeStream });
    await events.next(is("acked"));
    expect(handled).toEqual([[{ job: 0 }]]);
    expect(await cursor(`${prefix}/early`)).toBe(tail);
    await s.append(`${prefix}/early`, JSON.stringify({ job: 1 }));
    await events.next(is("acked", (e) => e.generation === 2));
    expect(handled[1]).toEqual([{ job: 1 }]);
  });
});

describe("leases", () => {
  test("a slow handler keeps its lease through heartbeats, past the lease's length, and its ack lands", async () => {
    const { id, prefix, cursor } = await pullWake({ leaseTtlMs: 2000 });
    let events!: Events<WorkerEvent>;
    const handler: WakeHandler = async (wake) => {
      // Four renewals at a third of a two-second lease: the handler outlives the lease.
      await events.next(is("renewed", (e) => e.wakeId === wake.wakeId && renewals(wake) >= 4));
      await (await wake.read(wake.streams[0]!)).json();
    };
    const renewals = (wake: Wake) => events.seen.filter(is("renewed", (e) => e.wakeId === wake.wakeId)).length;
    ({ events } = await worker(id, handler));
    const tail = await s.createStream(`${prefix}/slow`, "{}");
    const acked = await events.next(is("acked"));
    expect(acked).toMatchObject({ generation: 1 });
    expect(await cursor(`${prefix}/slow`)).toBe(tail);
    expect(events.seen.some(is("lost"))).toBe(false);
  });

  test("a wake fenced while its handler runs ends without an ack: another worker's claim has it", async () => {
    const { id, prefix, cursor } = await pullWake({ leaseTtlMs: 1000 });
    const second = new Events<WorkerEvent>();
    const fenced = deferred<unknown>();
    // No heartbeats: the lease runs out, and the second worker claims the wake anew.
    const { events } = await worker(
      id,
      async (wake) => {
        await second.next(is("claimed"));
        fenced.resolve(await wake.heartbeat().catch((error: unknown) => error));
      },
      { name: "slow", heartbeatMs: 600_000 },
    );
    const tail = await s.createStream(`${prefix}/a`, "{}");
    await events.next(is("claimed"));
    const handled: unknown[][] = [];
    const other = await startWorker(s.subs, id, reading(handled), { name: "fast", onEvent: second.push });
    running.push(other);
    expect(await fenced.promise).toMatchObject({ code: "FENCED" });
    const lost = await events.next(is("lost"));
    expect(isStreamError((lost as { error: unknown }).error, "FENCED")).toBe(true);
    await second.next(is("acked"));
    expect(await cursor(`${prefix}/a`)).toBe(tail);
    expect(events.seen.some(is("acked"))).toBe(false);
    expect(events.seen.some(is("released"))).toBe(false);
  });

  test("a subscription deleted under a running handler: the heartbeat finds it gone and the wake's signal aborts", async () => {
    const { id, prefix } = await pullWake({ leaseTtlMs: 1000 });
    const aborted = deferred<unknown>();
    const { events } = await worker(id, async (wake) => {
      await new Promise<void>((resolve) => wake.signal.addEventListener("abort", () => resolve()));
      aborted.resolve(wake.signal.reason);
    });
    await s.createStream(`${prefix}/a`, "{}");
    await events.next(is("claimed"));
    await s.subs.delete(id);
    expect(await aborted.promise).toMatchObject({ code: "NOT_FOUND" });
    await events.next(is("lost"));
  });
});

describe("stopping", () => {
  const blocked: WakeHandler = (wake) =>
    new Promise((_, reject) => wake.signal.addEventListener("abort", () => reject(wake.signal.reason)));

  /** After a release another worker may claim at once (the lease was 30 s): proof it was given back. */
  async function claimableNow(id: string) {
    const claim = await s.subs.claim(id, "checker");
    expect(claim?.generation).toBe(2);
    await s.subs.release(claim!);
  }

  test("stop() aborts the handler's signal, releases the wake and resolves done", async () => {
    const { id, prefix } = await pullWake({ leaseTtlMs: 30_000 });
    const { worker: w, events } = await worker(id, blocked);
    await s.createStream(`${prefix}/a`, "{}");
    await events.next(is("claimed"));
    await w.stop();
    await w.done;
    expect(events.seen.find(is("released"))).toMatchObject({ reason: "stopped" });
    await claimableNow(id);
  });

  test("its signal stops it the same way", async () => {
    const { id, prefix } = await pullWake({ leaseTtlMs: 30_000 });
    const controller = new AbortController();
    const { worker: w, events } = await worker(id, blocked, { signal: controller.signal });
    await s.createStream(`${prefix}/a`, "{}");
    await events.next(is("claimed"));
    controller.abort();
    await w.done;
    await events.next(is("released", (e) => e.reason === "stopped"));
    await claimableNow(id);
  });

  test("await using releases on the way out of the block", async () => {
    const { id, prefix } = await pullWake({ leaseTtlMs: 30_000 });
    const events = new Events<WorkerEvent>();
    {
      await using w = await startWorker(s.subs, id, blocked, { onEvent: events.push });
      await s.createStream(`${prefix}/a`, "{}");
      await events.next(is("claimed"));
      expect(w.name).toMatch(/^worker-/);
    }
    expect(events.seen.find(is("released"))).toMatchObject({ reason: "stopped" });
    await claimableNow(id);
  });
});

describe("failures", () => {
  test("a failing handler releases the wake, and after the backoff the subscription is claimed again", async () => {
    const { id, prefix, cursor } = await pullWake();
    let calls = 0;
    const handled: unknown[][] = [];
    const { events } = await worker(
      id,
      async (wake) => {
        calls++;
        if (calls === 1) throw new Error("not yet");
        await reading(handled)(wake);
      },
      { backoff: { initialDelayMs: 20 } },
    );
    const tail = await s.createStream(`${prefix}/a`, JSON.stringify({ job: 1 }));
    await events.next(is("acked"));
    expect(handled).toEqual([[{ job: 1 }]]);
    expect(await cursor(`${prefix}/a`)).toBe(tail);
    const failure = events.seen.find(is("error"));
    expect(failure).toMatchObject({ subscriptionId: id, phase: "handler", error: new Error("not yet") });
    expect((failure as { retryInMs: number }).retryInMs).toBeLessThanOrEqual(20);
    expect(events.seen.find(is("released"))).toMatchObject({ reason: "failed" });
    expect(events.seen.filter(is("claimed")).map((e) => (e as { generation: number }).generation)).toEqual([1, 2]);
  });

  test("a claim the server refuses is retried after a backoff, reported each time", async () => {
    const hookId = uniqueId("hook");
    const wakeStream = uniqueId("wake");
    await s.createStream(wakeStream);
    await s.subs.create(hookId, { streams: ["x"], webhook: "http://127.0.0.1:9/hook" });
    const { events } = await worker(hookId, () => {}, { wakeStream, backoff: { initialDelayMs: 10, maxDelayMs: 10 } });
    await events.next(is("error", (e) => e.phase === "claim" && isStreamError(e.error, "BAD_REQUEST")));
    await events.upcoming(is("error", (e) => e.phase === "claim"));
  });

  test("start fails for a missing subscription, a webhook one, or a missing wake stream", async () => {
    const hookId = uniqueId("hook");
    await s.subs.create(hookId, { streams: ["x"], webhook: "http://127.0.0.1:9/hook" });
    const { id } = await pullWake();
    const failures = await Promise.all([
      startWorker(s.subs, uniqueId("missing"), () => {}).catch((error: unknown) => error),
      startWorker(s.subs, hookId, () => {}).catch((error: unknown) => error),
      startWorker(s.subs, id, () => {}, { wakeStream: uniqueId("absent") }).catch((error: unknown) => error),
    ]);
    expect(failures.map((error) => (error as { code: string }).code)).toEqual(["NOT_FOUND", "USAGE", "NOT_FOUND"]);
  });

  test("a wake stream deleted under the worker ends it: done rejects, and it says why", async () => {
    const { id, wakeStream } = await pullWake();
    const { worker: w, events } = await worker(id, () => {});
    await fetch(`${s.root}/${wakeStream}`, { method: "DELETE" });
    await expect(w.done).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(events.seen.find(is("error"))).toMatchObject({ phase: "follow" });
  });
});

describe("requests that fail along the way", () => {
  /** A client whose requests fail with a network error while `failing(url, body)` says so; no retries. */
  function faulty(failing: (url: string, body: string) => boolean) {
    return s.client({
      retry: { maxRetries: 0 },
      fetch: async (input, init) => {
        if (failing(input, String(init.body ?? ""))) throw new TypeError("fetch failed");
        return fetch(input, init);
      },
    });
  }

  test("a heartbeat that fails is reported, the next one renews, and the ack lands", async () => {
    const { id, prefix, cursor } = await pullWake({ leaseTtlMs: 3000 });
    let failed = 0;
    const client = faulty((url, body) => url.endsWith("/ack") && body.includes('"done":false') && failed++ === 0);
    const events = new Events<WorkerEvent>();
    running.push(
      await startWorker(client, id, async () => void (await events.next(is("renewed"))), { onEvent: events.push }),
    );
    const tail = await s.createStream(`${prefix}/a`, "{}");
    await events.next(is("acked"));
    expect(events.seen.find(is("error"))).toMatchObject({ phase: "heartbeat", error: { code: "NETWORK" } });
    expect(await cursor(`${prefix}/a`)).toBe(tail);
  });

  test("an ack that fails is reported with a retry; the lapsed wake is claimed again and acked", async () => {
    const { id, prefix, cursor } = await pullWake({ leaseTtlMs: 1000 });
    let failed = 0;
    const client = faulty((url, body) => url.endsWith("/ack") && body.includes('"done":true') && failed++ === 0);
    const events = new Events<WorkerEvent>();
    running.push(await startWorker(client, id, () => {}, { onEvent: events.push, backoff: { initialDelayMs: 10 } }));
    const tail = await s.createStream(`${prefix}/a`, "{}");
    await events.next(is("acked"));
    expect(events.seen.find(is("error"))).toMatchObject({ phase: "ack", error: { code: "NETWORK" } });
    expect(events.seen.filter(is("claimed")).length).toBeGreaterThanOrEqual(2);
    expect(await cursor(`${prefix}/a`)).toBe(tail);
  });

  test("a release that fails is reported; the wake comes back when its lease lapses", async () => {
    const { id, prefix } = await pullWake({ leaseTtlMs: 1000 });
    let releases = 0;
    const client = faulty((url) => url.endsWith("/release") && releases++ === 0);
    let calls = 0;
    const events = new Events<WorkerEvent>();
    const handler = () => {
      calls++;
      if (calls === 1) throw new Error("first fails");
    };
    running.push(await startWorker(client, id, handler, { onEvent: events.push, backoff: { initialDelayMs: 10 } }));
    await s.createStream(`${prefix}/a`, "{}");
    await events.next(is("acked"));
    expect(events.seen.filter(is("error")).map((e) => (e as { phase: string }).phase)).toEqual(["handler", "release"]);
    expect(events.seen.some(is("released"))).toBe(false);
  });
});

describe("concurrency", () => {
  /** Two subscriptions on one wake stream, each with pending work; the handler waits to be told. */
  async function twoSubscriptions() {
    const wakeStream = uniqueId("wake");
    await s.createStream(wakeStream);
    const prefix = uniqueId("job");
    const ids = [uniqueId("a"), uniqueId("b")];
    for (const [n, id] of ids.entries()) {
      await s.subs.create(id, { pattern: `${prefix}/${n}/*`, wakeStream });
      await s.createStream(`${prefix}/${n}/x`, "{}");
    }
    return ids;
  }

  test("with concurrency 2 both subscriptions' wakes are in hand at once", async () => {
    const ids = await twoSubscriptions();
    const inHand = new Events<string>();
    const { events } = await worker(
      ids,
      async (wake) => {
        inHand.push(wake.subscriptionId);
        await inHand.next(() => inHand.seen.length >= 2);
      },
      { concurrency: 2 },
    );
    await events.next(() => events.seen.filter(is("acked")).length === 2);
    expect(new Set(inHand.seen)).toEqual(new Set(ids));
  });

  test("with concurrency 1 one at a time: the second claim is made only after the first wake is done", async () => {
    const ids = await twoSubscriptions();
    const claims: string[] = [];
    const counting = s.client({
      fetch: (input, init) => {
        if (input.endsWith("/claim")) claims.push(input);
        return fetch(input, init);
      },
    });
    const claimsWhileHandling: number[] = [];
    const events = new Events<WorkerEvent>();
    // Both subscriptions are wanted at start: without the limit both claims would go out at once.
    running.push(
      await startWorker(counting, ids, () => void claimsWhileHandling.push(claims.length), { onEvent: events.push }),
    );
    await events.next(() => events.seen.filter(is("acked")).length === 2);
    expect(claimsWhileHandling).toEqual([1, 2]);
  });
});

test("options that cannot work are INVALID_ARGUMENT", () => {
  const make = (ids: unknown, options: object) => () => new PullWakeWorker(s.subs, ids as string, () => {}, options);
  for (const [ids, options, option] of [
    [[], {}, "subscriptionIds"],
    ["a", { concurrency: 0 }, "concurrency"],
    ["a", { name: "" }, "name"],
    ["a", { heartbeatMs: -5 }, "heartbeatMs"],
    ["a", { wakeStream: 3 }, "wakeStream"],
    ["a", { backoff: { jitter: 2 } }, "backoff.jitter"],
  ] as const) {
    expect(make(ids, options)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT", option }));
  }
});
