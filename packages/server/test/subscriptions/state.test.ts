/**
 * The subscription state machine (PROTOCOL §7): decisions (wake, fencing, acks, claims,
 * failures) and the reducer that applies them, live and at replay alike.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { SubscriptionConfig } from "../../src/features/subscriptions/config.js";
import {
  currentWake,
  decideAck,
  decideClaim,
  decideFailure,
  decideSnapshotAck,
  decideWake,
  type StreamExtent,
} from "../../src/features/subscriptions/state/decide.js";
import type { Subscription } from "../../src/features/subscriptions/state/model.js";
import type { SubscriptionRecord } from "../../src/features/subscriptions/state/records.js";
import { applyRecord, fromEntry, type Subscriptions, toEntry } from "../../src/features/subscriptions/state/reducer.js";

const WEBHOOK: SubscriptionConfig = {
  type: "webhook",
  pattern: "events/*",
  streams: [],
  webhook: { url: "https://hooks.example.com/x" },
  wake_stream: null,
  lease_ttl_ms: 1000,
  description: null,
};
const PULL: SubscriptionConfig = { ...WEBHOOK, type: "pull-wake", webhook: null, wake_stream: "wake/pool" };

function create(config = WEBHOOK): Subscriptions {
  const subs: Subscriptions = new Map();
  applyRecord(subs, {
    t: "sub",
    id: "s",
    inc: "i1",
    config,
    hash: "h",
    at: 0,
    base: "http://x",
    gen: 0,
    links: [
      ["events/a", 100, 10, false, true],
      ["events/b", 200, 0, true, false],
    ],
    wake: null,
    retry: null,
  });
  return subs;
}

function step(subs: Subscriptions, record: SubscriptionRecord): Subscription {
  applyRecord(subs, record);
  return subs.get("s")!;
}

const extents: Record<string, StreamExtent> = {
  "events/a": { stream: 100, start: 0, tail: 50 },
  "events/b": { stream: 200, start: 5, tail: 30 },
};
const extentOf = (path: string) => extents[path];

describe("wakes and generations", () => {
  test("every wake takes the next generation; a webhook's lease starts at issuance, a pull-wake's at the claim", () => {
    const subs = create();
    let sub = subs.get("s")!;
    const first = decideWake(sub, 1000, "w1");
    expect(first).toEqual({ t: "wake", id: "s", gen: 1, wake: "w1", at: 1000, lease: 2000 });
    sub = step(subs, first);
    sub = step(subs, { t: "end", id: "s", gen: 1 });
    expect(decideWake(sub, 3000, "w2")).toMatchObject({ gen: 2, lease: 4000 });
    const pull = create(PULL).get("s")!;
    expect(decideWake(pull, 1000, "w1")).toMatchObject({ gen: 1, lease: null });
  });
});

describe("fencing (§7.3)", () => {
  const subs = create();
  const sub = step(subs, { t: "wake", id: "s", gen: 3, wake: "w3", at: 0, lease: 1000 });
  const claims = { sub: "s", inc: "i1", gen: 3, wid: "w3" };
  const request = { wakeId: "w3", generation: 3 };

  test("the current wake passes", () => {
    expect(currentWake(sub, claims, request, true).id).toBe("w3");
  });

  test.each([
    ["a token of another incarnation", { ...claims, inc: "i0" }, request, true],
    ["a token of another generation", { ...claims, gen: 2 }, request, true],
    ["a token of another wake", { ...claims, wid: "w2" }, request, true],
    ["a stale request generation", claims, { ...request, generation: 2 }, true],
    ["a stale wake id", claims, { ...request, wakeId: "w2" }, true],
    ["an expired lease", claims, request, false],
  ])("%s is FENCED", (_name, tokenClaims, body, held) => {
    expect(() => currentWake(sub, tokenClaims, body, held)).toThrow(expect.objectContaining({ code: "FENCED" }));
  });

  test("no wake in flight is FENCED", () => {
    const idle = create().get("s")!;
    expect(() => currentWake(idle, claims, request, true)).toThrow(expect.objectContaining({ code: "FENCED" }));
  });
});

describe("acks (§7.1, §7.2)", () => {
  const woken = () => {
    const subs = create();
    const sub = step(subs, { t: "wake", id: "s", gen: 1, wake: "w1", at: 0, lease: 1000 });
    return { subs, sub, wake: sub.wake! };
  };

  test("acks move cursors forward; an older ack is ignored; without done the lease is extended", () => {
    const { subs, sub, wake } = woken();
    const record = decideAck(
      sub,
      wake,
      {
        wakeId: "w1",
        generation: 1,
        done: false,
        acks: [
          { path: "events/a", position: 40 },
          { path: "events/b", position: 20 },
        ],
      },
      500,
      extentOf,
    );
    expect(record).toEqual({
      t: "ack",
      id: "s",
      gen: 1,
      acks: [
        ["events/a", 100, 40],
        ["events/b", 200, 20],
      ],
      lease: 1500,
      done: false,
    });
    const after = step(subs, record);
    expect(after.links.get("events/a")!.acked).toBe(40);
    expect(after.wake!.leaseUntil).toBe(1500);
    const older = decideAck(
      after,
      after.wake!,
      { wakeId: "w1", generation: 1, done: true, acks: [{ path: "events/a", position: 30 }] },
      600,
      extentOf,
    );
    expect(older).toMatchObject({ acks: [], done: true, lease: null });
    expect(step(subs, older).wake).toBeNull();
    expect(subs.get("s")!.links.get("events/a")!.acked).toBe(40);
  });

  test.each([
    [{ path: "events/zzz", position: 1 }, "not linked"],
    [{ path: "events/a", position: 51 }, "past its tail"],
    [{ path: "events/b", position: 4 }, "before the stream's first position"],
  ])("%j is INVALID_ACK (%s)", (ack, message) => {
    const { sub, wake } = woken();
    expect(() => decideAck(sub, wake, { wakeId: "w1", generation: 1, done: false, acks: [ack] }, 0, extentOf)).toThrow(
      expect.objectContaining({ code: "INVALID_ACK", message: expect.stringContaining(message) }),
    );
  });

  test("an ack for a linked stream deleted since the wake is skipped", () => {
    const { sub, wake } = woken();
    const record = decideAck(
      sub,
      wake,
      { wakeId: "w1", generation: 1, done: false, acks: [{ path: "events/a", position: 20 }] },
      0,
      () => undefined,
    );
    expect(record).toMatchObject({ acks: [] });
  });

  test("a done webhook acks the snapshot, except streams replaced since", () => {
    const { sub, wake } = woken();
    const record = decideSnapshotAck(sub, wake, [
      { path: "events/a", stream: 100, tail: 50 },
      { path: "events/b", stream: 999, tail: 30 },
      { path: "events/gone", stream: 1, tail: 3 },
    ]);
    expect(record).toEqual({ t: "ack", id: "s", gen: 1, acks: [["events/a", 100, 50]], lease: null, done: true });
  });

  test("cursors never regress, whatever order acks arrive in", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 30 }), (positions) => {
        const subs = create();
        for (const position of positions) {
          const sub = subs.get("s")!;
          const woke = step(subs, decideWake(sub, 0, `w${sub.generation + 1}`));
          step(
            subs,
            decideAck(
              woke,
              woke.wake!,
              {
                wakeId: woke.wake!.id,
                generation: woke.wake!.generation,
                done: true,
                acks: [{ path: "events/a", position }],
              },
              0,
              extentOf,
            ),
          );
        }
        expect(subs.get("s")!.links.get("events/a")!.acked).toBe(Math.max(10, ...positions));
      }),
    );
  });
});

describe("claims (§7.2)", () => {
  test("the unclaimed wake is claimed; another holder with a live lease is ALREADY_CLAIMED with its name", () => {
    const subs = create(PULL);
    let sub = step(subs, decideWake(subs.get("s")!, 0, "w1"));
    const claim = decideClaim(sub, "worker-1", 100, true, "unused");
    expect(claim).toEqual([{ t: "claim", id: "s", gen: 1, worker: "worker-1", lease: 1100 }]);
    sub = step(subs, claim[0]!);
    let error: unknown;
    try {
      decideClaim(sub, "worker-2", 200, true, "unused");
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: "ALREADY_CLAIMED" });
    expect((error as { toBody(): unknown }).toBody()).toEqual({
      error: {
        code: "ALREADY_CLAIMED",
        message: "Worker worker-1 holds this subscription's lease",
        current_holder: "worker-1",
        generation: 1,
      },
    });
  });

  test("pending work with no wake is claimed as a new wake; an expired holder's wake ends first", () => {
    const subs = create(PULL);
    expect(decideClaim(subs.get("s")!, "w", 0, true, "w1")).toEqual([
      { t: "wake", id: "s", gen: 1, wake: "w1", at: 0, lease: null },
      { t: "claim", id: "s", gen: 1, worker: "w", lease: 1000 },
    ]);
    let sub = step(subs, { t: "wake", id: "s", gen: 1, wake: "w1", at: 0, lease: null });
    sub = step(subs, { t: "claim", id: "s", gen: 1, worker: "old", lease: 1000 });
    expect(decideClaim(sub, "new", 1000, true, "w2")).toEqual([
      { t: "end", id: "s", gen: 1 },
      { t: "wake", id: "s", gen: 2, wake: "w2", at: 1000, lease: null },
      { t: "claim", id: "s", gen: 2, worker: "new", lease: 2000 },
    ]);
    expect(decideClaim(sub, "new", 1000, false, "w2")).toEqual([{ t: "end", id: "s", gen: 1 }]);
  });

  test("nothing pending and no wake: nothing to claim", () => {
    expect(decideClaim(create(PULL).get("s")!, "w", 0, false, "w1")).toEqual([]);
  });
});

describe("failures and retries (§7.1)", () => {
  test("a failure ends the wake and schedules the next attempt; a success clears the schedule", () => {
    const subs = create();
    let sub = step(subs, decideWake(subs.get("s")!, 0, "w1"));
    sub = step(subs, decideFailure(sub, 1, 100, 1000));
    expect(sub.wake).toBeNull();
    expect(sub.retry).toEqual({ attempt: 1, nextAt: 1100 });
    sub = step(subs, decideWake(sub, 1100, "w2"));
    sub = step(subs, decideFailure(sub, 2, 1200, 2000));
    expect(sub.retry).toEqual({ attempt: 2, nextAt: 3200 });
    sub = step(subs, decideWake(sub, 3200, "w3"));
    sub = step(subs, { t: "delivered", id: "s", gen: 3 });
    expect(sub.retry).toBeNull();
    expect(sub.wake?.generation).toBe(3);
  });
});

describe("the reducer", () => {
  test("explicit links: removing one keeps the pattern's link; adding one to a pattern link marks it explicit", () => {
    const subs = create();
    let sub = step(subs, { t: "link", id: "s", path: "events/a", stream: 100, acked: 45 });
    expect(sub.links.get("events/a")).toEqual({ explicit: true, glob: true, stream: 100, acked: 10 });
    sub = step(subs, { t: "unlink", id: "s", path: "events/a" });
    expect(sub.links.get("events/a")).toEqual({ explicit: false, glob: true, stream: 100, acked: 10 });
    sub = step(subs, { t: "unlink", id: "s", path: "events/b" });
    expect(sub.links.has("events/b")).toBe(false);
  });

  test("records of another generation do not touch the wake", () => {
    const subs = create(PULL);
    let sub = step(subs, { t: "wake", id: "s", gen: 2, wake: "w2", at: 0, lease: null });
    sub = step(subs, { t: "end", id: "s", gen: 1 });
    sub = step(subs, { t: "claim", id: "s", gen: 1, worker: "x", lease: 5 });
    expect(sub.wake).toEqual({ id: "w2", generation: 2, issuedAt: 0, leaseUntil: null, holder: null });
  });

  test("an ack for a path without a link (a pattern link not logged yet) creates it", () => {
    const subs = create();
    const sub = step(subs, { t: "ack", id: "s", gen: 0, acks: [["events/new", 300, 7]], lease: null, done: false });
    expect(sub.links.get("events/new")).toEqual({ explicit: false, glob: true, stream: 300, acked: 7 });
  });

  test("delete removes the subscription; records for unknown ids change nothing", () => {
    const subs = create();
    applyRecord(subs, { t: "delete", id: "s" });
    expect(subs.size).toBe(0);
    applyRecord(subs, { t: "wake", id: "s", gen: 1, wake: "w", at: 0, lease: null });
    expect(subs.size).toBe(0);
  });

  test("a snapshot entry rebuilds exactly the state the records made", () => {
    const record = fc.oneof(
      fc.record({ t: fc.constant("wake" as const), gen: fc.integer({ min: 1, max: 9 }), lease: fc.option(fc.nat()) }),
      fc.record({ t: fc.constant("claim" as const), gen: fc.integer({ min: 1, max: 9 }), lease: fc.nat() }),
      fc.record({
        t: fc.constant("ack" as const),
        gen: fc.integer({ min: 1, max: 9 }),
        at: fc.nat(60),
        done: fc.boolean(),
      }),
      fc.record({ t: fc.constant("retry" as const), gen: fc.integer({ min: 1, max: 9 }), attempt: fc.nat(9) }),
      fc.record({ t: fc.constant("end" as const), gen: fc.integer({ min: 1, max: 9 }) }),
      fc.record({ t: fc.constant("link" as const), path: fc.constantFrom("events/a", "x/y"), acked: fc.nat(9) }),
      fc.record({ t: fc.constant("unlink" as const), path: fc.constantFrom("events/a", "events/b", "x/y") }),
      fc.record({ t: fc.constant("delivered" as const) }),
    );
    fc.assert(
      fc.property(fc.array(record, { maxLength: 30 }), (steps) => {
        const subs = create();
        for (const s of steps) applyRecord(subs, toRecord(s));
        const sub = subs.get("s")!;
        expect(fromEntry(toEntry(sub) as Parameters<typeof fromEntry>[0])).toEqual(sub);
      }),
    );
  });
});

function toRecord(s: { t: string } & Record<string, unknown>): SubscriptionRecord {
  const gen = s.gen as number;
  switch (s.t) {
    case "wake":
      return { t: "wake", id: "s", gen, wake: `w${gen}`, at: 0, lease: s.lease as number | null };
    case "claim":
      return { t: "claim", id: "s", gen, worker: "w", lease: s.lease as number };
    case "ack":
      return {
        t: "ack",
        id: "s",
        gen,
        acks: [["events/a", 100, s.at as number]],
        lease: null,
        done: s.done as boolean,
      };
    case "retry":
      return { t: "retry", id: "s", gen, attempt: s.attempt as number, next: 5 };
    case "end":
      return { t: "end", id: "s", gen };
    case "link":
      return { t: "link", id: "s", path: s.path as string, stream: 100, acked: s.acked as number };
    case "unlink":
      return { t: "unlink", id: "s", path: s.path as string };
    default:
      return { t: "delivered", id: "s", gen: 0 };
  }
}
