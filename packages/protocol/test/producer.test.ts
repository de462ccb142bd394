import { decideProducer, type ProducerClaim, type ProducerState, parseProducerClaim } from "@rivulet/protocol";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { expectProtocolError } from "./expect-error.js";

describe("parseProducerClaim (PROTOCOL §5.2.1 headers)", () => {
  test("no headers means no producer", () => {
    expect(parseProducerClaim(undefined, undefined, undefined)).toBeUndefined();
  });

  test("parses a complete claim", () => {
    expect(parseProducerClaim("svc-1", "3", "17")).toEqual({ id: "svc-1", epoch: 3, seq: 17 });
    expect(parseProducerClaim("p", "0", String(Number.MAX_SAFE_INTEGER))).toEqual({
      id: "p",
      epoch: 0,
      seq: Number.MAX_SAFE_INTEGER,
    });
  });

  test.each([
    ["p", undefined, undefined],
    ["p", "0", undefined],
    [undefined, "0", "0"],
    [undefined, undefined, "0"],
  ])("a partial set (%j, %j, %j) is INVALID_PRODUCER_HEADERS", (id, epoch, seq) => {
    expectProtocolError(() => parseProducerClaim(id, epoch, seq), "INVALID_PRODUCER_HEADERS");
  });

  test("an empty Producer-Id is INVALID_PRODUCER_HEADERS", () => {
    expectProtocolError(() => parseProducerClaim("", "0", "0"), "INVALID_PRODUCER_HEADERS");
  });

  test.each(["-1", "01", "+1", "1.0", "1e3", "", " 1", "abc", "9007199254740992"])(
    "integer %j is rejected in either position",
    (bad) => {
      expectProtocolError(() => parseProducerClaim("p", bad, "0"), "INVALID_PRODUCER_HEADERS");
      expectProtocolError(() => parseProducerClaim("p", "0", bad), "INVALID_PRODUCER_HEADERS");
    },
  );

  test("property: every safe non-negative integer round-trips", () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), (e, s) => {
        const claim = parseProducerClaim("p", String(e), String(s));
        return claim?.epoch === e && claim.seq === s;
      }),
    );
  });
});

describe("decideProducer examples (PROTOCOL §5.2.1 validation logic)", () => {
  const claim = (epoch: number, seq: number): ProducerClaim => ({ id: "p", epoch, seq });

  test("an unknown producer starts at seq 0 in any epoch", () => {
    expect(decideProducer(undefined, claim(0, 0))).toEqual({ kind: "accept", next: { epoch: 0, lastSeq: 0 } });
    expect(decideProducer(undefined, claim(4, 0))).toEqual({ kind: "accept", next: { epoch: 4, lastSeq: 0 } });
  });

  test("an unknown producer starting past seq 0 is a gap expecting 0", () => {
    const error = expectProtocolError(() => decideProducer(undefined, claim(0, 3)), "PRODUCER_SEQ_GAP");
    expect(error.headers).toEqual({ "producer-expected-seq": "0", "producer-received-seq": "3" });
  });

  test("stale epoch is 403 with the current epoch", () => {
    const error = expectProtocolError(
      () => decideProducer({ epoch: 2, lastSeq: 5 }, claim(1, 6)),
      "STALE_PRODUCER_EPOCH",
    );
    expect(error.status).toBe(403);
    expect(error.headers).toEqual({ "producer-epoch": "2" });
  });

  test("a new epoch must start at seq 0", () => {
    expectProtocolError(() => decideProducer({ epoch: 0, lastSeq: 5 }, claim(1, 1)), "PRODUCER_EPOCH_SEQ_NOT_ZERO");
    expect(decideProducer({ epoch: 0, lastSeq: 5 }, claim(1, 0))).toEqual({
      kind: "accept",
      next: { epoch: 1, lastSeq: 0 },
    });
  });

  test("same epoch: duplicate, next, and gap", () => {
    const state: ProducerState = { epoch: 1, lastSeq: 4 };
    expect(decideProducer(state, claim(1, 4))).toEqual({ kind: "duplicate", state });
    expect(decideProducer(state, claim(1, 0))).toEqual({ kind: "duplicate", state });
    expect(decideProducer(state, claim(1, 5))).toEqual({ kind: "accept", next: { epoch: 1, lastSeq: 5 } });
    const gap = expectProtocolError(() => decideProducer(state, claim(1, 7)), "PRODUCER_SEQ_GAP");
    expect(gap.status).toBe(409);
    expect(gap.headers).toEqual({ "producer-expected-seq": "5", "producer-received-seq": "7" });
  });
});

/**
 * A reference model written straight from the §5.2.1 pseudo-code, kept deliberately naive:
 * a map of producer id → (epoch, lastSeq) and one outcome per claim.
 */
type Outcome =
  | { kind: "accept"; epoch: number; lastSeq: number }
  | { kind: "duplicate"; epoch: number; lastSeq: number }
  | { kind: "error"; code: string; headers: Record<string, string> };

function modelClaim(model: Map<string, ProducerState>, c: ProducerClaim): Outcome {
  const state = model.get(c.id);
  if (!state) {
    if (c.seq !== 0) {
      return {
        kind: "error",
        code: "PRODUCER_SEQ_GAP",
        headers: { "producer-expected-seq": "0", "producer-received-seq": String(c.seq) },
      };
    }
    model.set(c.id, { epoch: c.epoch, lastSeq: 0 });
    return { kind: "accept", epoch: c.epoch, lastSeq: 0 };
  }
  if (c.epoch < state.epoch) {
    return { kind: "error", code: "STALE_PRODUCER_EPOCH", headers: { "producer-epoch": String(state.epoch) } };
  }
  if (c.epoch > state.epoch) {
    if (c.seq !== 0) return { kind: "error", code: "PRODUCER_EPOCH_SEQ_NOT_ZERO", headers: {} };
    model.set(c.id, { epoch: c.epoch, lastSeq: 0 });
    return { kind: "accept", epoch: c.epoch, lastSeq: 0 };
  }
  if (c.seq <= state.lastSeq) return { kind: "duplicate", epoch: state.epoch, lastSeq: state.lastSeq };
  if (c.seq === state.lastSeq + 1) {
    model.set(c.id, { epoch: state.epoch, lastSeq: c.seq });
    return { kind: "accept", epoch: state.epoch, lastSeq: c.seq };
  }
  return {
    kind: "error",
    code: "PRODUCER_SEQ_GAP",
    headers: { "producer-expected-seq": String(state.lastSeq + 1), "producer-received-seq": String(c.seq) },
  };
}

/** The implementation, driven the way the engine drives it: the caller stores `next`. */
function realClaim(states: Map<string, ProducerState>, c: ProducerClaim): Outcome {
  try {
    const decision = decideProducer(states.get(c.id), c);
    if (decision.kind === "duplicate") return { kind: "duplicate", ...decision.state };
    states.set(c.id, decision.next);
    return { kind: "accept", ...decision.next };
  } catch (error) {
    const e = error as { code: string; headers: Record<string, string> };
    return { kind: "error", code: e.code, headers: { ...e.headers } };
  }
}

describe("decideProducer model-based property", () => {
  // Small ranges so retries, restarts, zombies and gaps all happen often.
  const claimArb = fc.record({
    id: fc.constantFrom("a", "b"),
    epoch: fc.integer({ min: 0, max: 3 }),
    seq: fc.integer({ min: 0, max: 4 }),
  });
  const sequenceArb = fc.array(claimArb, { minLength: 1, maxLength: 60 });

  test("property: random (epoch, seq) claims match the reference model step by step", () => {
    fc.assert(
      fc.property(sequenceArb, (claims) => {
        const model = new Map<string, ProducerState>();
        const real = new Map<string, ProducerState>();
        for (const c of claims) {
          expect(realClaim(real, c)).toEqual(modelClaim(model, c));
        }
        expect(real).toEqual(model);
      }),
      { numRuns: 500 },
    );
  });

  test("property: an accepted sequence replayed in full is all duplicates (retry safety)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 30 }), (epoch, count) => {
        const states = new Map<string, ProducerState>();
        for (let seq = 0; seq < count; seq++) expect(realClaim(states, { id: "p", epoch, seq }).kind).toBe("accept");
        for (let seq = 0; seq < count; seq++) {
          expect(realClaim(states, { id: "p", epoch, seq })).toEqual({
            kind: "duplicate",
            epoch,
            lastSeq: count - 1,
          });
        }
      }),
    );
  });

  test("property: accepted (epoch, seq) pairs strictly increase per producer — no write is accepted twice", () => {
    fc.assert(
      fc.property(sequenceArb, (claims) => {
        const states = new Map<string, ProducerState>();
        const accepted = new Map<string, Array<[number, number]>>();
        for (const c of claims) {
          const outcome = realClaim(states, c);
          if (outcome.kind !== "accept") continue;
          const list = accepted.get(c.id) ?? [];
          const last = list.at(-1);
          if (last) expect(c.epoch > last[0] || (c.epoch === last[0] && c.seq > last[1])).toBe(true);
          list.push([c.epoch, c.seq]);
          accepted.set(c.id, list);
        }
      }),
    );
  });
});
