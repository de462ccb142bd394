/**
 * Atomic appends across streams (a transaction, docs/kafka-layer.md): every item is decided
 * with the same rules as a plain append (@rivulet/protocol decideAppend: closure, content type,
 * idempotent producer, Stream-Seq, conditional append) against the streams' decided views, and
 * the records of the items that write are handed to the writer as one atomic write.
 *
 * The streams are looked up first (that may wait for the store); from then on deciding every
 * item, building the records and putting them into every stream's pipeline happen in one
 * synchronous step of the event loop. No other append can come between them, so the outcome is
 * serializable without locks, and no order of transactions and appends can deadlock: nothing
 * waits while it holds anything. A store shared by several servers catches a stale decision by
 * its positions (StoreConflictError); the transaction then re-reads its streams and decides
 * again, like a plain append. A refusal there is checked against the store first, also like a
 * plain append: what this node held may be behind what other nodes acknowledged.
 */
import {
  type DetailValue,
  decideAppend,
  type ProducerState,
  type ProducerWrite,
  ProtocolError,
} from "@rivulet/protocol";
import { StoreConflictError, StoreMissingError } from "../store/errors.js";
import type { AppendRecord } from "../store/types.js";
import { type AppendRequest, type AppendResult, frame, isSequenceGap, recordFor } from "./append-record.js";
import { RefusalCheck } from "./stale-refusal.js";
import { storeError } from "./store-errors.js";
import { StreamState } from "./stream-state.js";
import type { AtomicWrite, StreamWriter } from "./writer.js";

/** One item of a transaction: an append to the stream at `path`. */
export interface TransactionItem extends AppendRequest {
  readonly path: string;
}

/** One refused item: its index in the transaction, and the error a plain append would have had. */
export interface ItemRefusal {
  readonly index: number;
  readonly path: string;
  readonly error: ProtocolError;
}

/** A transaction refused item by item; nothing of it was written (TRANSACTION_CONFLICT). */
export class TransactionRefusedError extends ProtocolError {
  constructor(readonly refusals: readonly ItemRefusal[]) {
    super("TRANSACTION_CONFLICT", describe(refusals), {}, { details: { errors: refusals.map(refusalBody) } });
    this.name = "TransactionRefusedError";
  }
}

/** How a refused item reads in an error body: which item, and what a plain append would have answered. */
export function refusalBody(refusal: ItemRefusal): Record<string, DetailValue> {
  const { error } = refusal;
  return {
    ...error.details,
    index: refusal.index,
    path: refusal.path,
    code: error.code,
    status: error.status,
    message: error.message,
    headers: { ...error.headers },
  };
}

export interface TransactionDeps {
  readonly writer: StreamWriter;
  readonly now: () => number;
  readonly reorderWaitMs: number;
  readonly conflictRetries: number;
  /** The store is shared with other servers: refusals are checked against it. */
  readonly verifyReads: boolean;
  /** Brings `stream` up to the store; whether it had moved (freshness.ts). */
  verify(stream: StreamState): Promise<boolean>;
  /** The stream at `path` for a write (Engine.get with touch). */
  get(path: string): Promise<StreamState>;
  /** Keeps `stream` in memory while the transaction holds it: the state to use, if known (registry.ts). */
  pin(stream: StreamState): StreamState | undefined;
  unpin(stream: StreamState): void;
  /** Whether `stream` is still the stream at its path. */
  holds(stream: StreamState): boolean;
  /** Waits until another append of `stream` is decided, or `timeoutMs` passes. */
  waitForProgress(stream: StreamState, timeoutMs: number): Promise<void>;
  progressed(stream: StreamState): void;
  /** Another server changed the stream first: take its stored state. */
  resync(stream: StreamState): Promise<void>;
  /** The store no longer has the stream. */
  forget(stream: StreamState): void;
}

type Plan =
  | { readonly kind: "noop"; readonly stream: StreamState; readonly result: AppendResult }
  | { readonly kind: "write"; readonly stream: StreamState; readonly record: AppendRecord; readonly seq: number };

/**
 * Appends `items` (to distinct streams) all or none: resolves with each item's result once
 * every written one is durable and visible, or rejects with TransactionRefusedError naming
 * every refused item, or with the store's error. Items an idempotent producer already wrote are
 * duplicates (written: false) and write nothing, as in a plain append; a retry of a whole
 * committed transaction therefore writes nothing and succeeds, each item answered with its
 * original results (its producer's latest write: where it ended, its first seq and time).
 */
export async function appendAtomic(deps: TransactionDeps, items: readonly TransactionItem[]): Promise<AppendResult[]> {
  checkDistinct(items);
  // The writer serialises per state object, and a gap waits on one: they stay in memory.
  const pinned: StreamState[] = [];
  try {
    return await appendPinned(deps, items, pinned);
  } finally {
    for (const stream of pinned) deps.unpin(stream);
  }
}

async function appendPinned(
  deps: TransactionDeps,
  items: readonly TransactionItem[],
  pinned: StreamState[],
): Promise<AppendResult[]> {
  const hold = async (path: string) => {
    for (;;) {
      const held = deps.pin(await deps.get(path));
      if (!held) continue; // it left memory since the lookup: look again
      pinned.push(held);
      return held;
    }
  };
  const deadline = deps.now() + deps.reorderWaitMs;
  // On a shared store, as for a plain append: not before the store was checked (stale-refusal.ts).
  const check = new RefusalCheck(deps.verifyReads, deps.conflictRetries);
  for (let conflicts = 0; ; ) {
    const streams = await Promise.all(items.map((item) => hold(item.path).catch((error: unknown) => error)));
    const decided = decideAll(deps, items, streams);
    if ("refusals" in decided) {
      const refused = decided.refusals.map((r) => streams[r.index]).filter((s) => s instanceof StreamState);
      if (check.due && refused.length > 0) {
        check.checkedStore((await Promise.all(refused.map((stream) => deps.verify(stream)))).includes(true));
        continue;
      }
      // §5.2.1: a seq that skips ahead may be an earlier append still on its way. Waiting helps
      // only when every refusal is such a gap.
      const wait = deadline - deps.now();
      const gap = decided.refusals.every((r) => isSequenceGap(r.error)) ? decided.refusals[0] : undefined;
      if (gap && wait > 0) {
        await deps.waitForProgress(streams[gap.index] as StreamState, check.gapWaitMs(wait));
        continue;
      }
      throw check.answer(new TransactionRefusedError(decided.refusals), decided.refusals[0]!.path);
    }
    const writes: AtomicWrite[] = [];
    for (const plan of decided.plans) if (plan.kind === "write") writes.push(plan);
    if (writes.length === 0) return decided.plans.map((plan) => (plan as Extract<Plan, { kind: "noop" }>).result);
    const written = deps.writer.writeAtomic(writes);
    for (const { stream } of writes) deps.progressed(stream);
    try {
      await written;
    } catch (error) {
      if (error instanceof StoreConflictError && conflicts++ < deps.conflictRetries) {
        await Promise.all(writes.map(({ stream }) => deps.resync(stream)));
        continue;
      }
      if (error instanceof StoreMissingError) {
        for (const { stream } of writes) if (stream.path === error.path) deps.forget(stream);
      }
      throw storeError(error);
    }
    return decided.plans.map((plan) => (plan.kind === "noop" ? plan.result : writtenResult(plan)));
  }
}

/**
 * Decides every item against its stream's decided view, synchronously: the plans of all, or
 * the refusals of those refused (every one of them, so a client sees all it must fix).
 */
function decideAll(
  deps: TransactionDeps,
  items: readonly TransactionItem[],
  streams: readonly unknown[],
): { plans: Plan[] } | { refusals: ItemRefusal[] } {
  const plans: Plan[] = [];
  const refusals: ItemRefusal[] = [];
  const now = deps.now();
  for (const [index, item] of items.entries()) {
    try {
      plans.push(decideItem(deps, item, streams[index], now));
    } catch (error) {
      // A refusal is what the client asked for; anything else (a store failure) fails the whole request.
      if (!(error instanceof ProtocolError) || error.status >= 500) throw error;
      refusals.push({ index, path: item.path, error });
    }
  }
  return refusals.length > 0 ? { refusals } : { plans };
}

function decideItem(deps: TransactionDeps, item: TransactionItem, found: unknown, now: number): Plan {
  if (found instanceof Error) throw storeError(found);
  const stream = found as StreamState;
  // Looked up before this step; a removal may have finished since.
  if (!deps.holds(stream)) throw new ProtocolError("STREAM_NOT_FOUND", `Stream not found: ${item.path}`);
  if (stream.softDeleted) throw new ProtocolError("STREAM_GONE", `Stream was deleted: ${item.path}`);
  if (!item.hasBody && !item.close) {
    throw new ProtocolError("EMPTY_BODY", "An append needs a body (or Stream-Closed: true to close)");
  }
  const decision = decideAppend(stream.decisionView, item);
  if (decision.kind === "noop") {
    // A retry of the producer's latest write is answered with that write's own results.
    const original = originalWrite(item, decision.producer);
    return {
      kind: "noop",
      stream,
      result: {
        written: false,
        tail: original?.end ?? stream.decidedTail,
        closed: stream.decidedClosed,
        producer: decision.producer,
        appended: original && original.messages > 0 ? { seq: original.seq, ts: original.ts } : undefined,
      },
    };
  }
  const record = recordFor(stream, decision, frame(stream.contentType, item.body, "append"), now);
  return { kind: "write", stream, record, seq: stream.decidedNextSeq };
}

/** Where the write a duplicate repeats went, when it is the producer's latest and the store knows. */
function originalWrite(item: TransactionItem, state: ProducerState | undefined): ProducerWrite | undefined {
  const claim = item.producer;
  if (!claim || !state?.last || claim.epoch !== state.epoch || claim.seq !== state.lastSeq) return undefined;
  return state.last;
}

function writtenResult(plan: Extract<Plan, { kind: "write" }>): AppendResult {
  const { record, stream } = plan;
  return {
    written: true,
    tail: record.position + record.data.length,
    closed: stream.closed,
    producer: record.producer && { epoch: record.producer.epoch, lastSeq: record.producer.seq },
    appended: record.messages > 0 ? { seq: plan.seq, ts: record.ts } : undefined,
  };
}

function checkDistinct(items: readonly TransactionItem[]): void {
  const seen = new Set<string>();
  for (const [index, item] of items.entries()) {
    if (seen.has(item.path)) {
      throw new ProtocolError(
        "INVALID_TRANSACTION",
        `Item ${index} appends to ${item.path} again: one item per stream (put several messages in one item's body)`,
      );
    }
    seen.add(item.path);
  }
}

function describe(refusals: readonly ItemRefusal[]): string {
  const first = refusals[0]!;
  const more = refusals.length > 1 ? ` (and ${refusals.length - 1} more)` : "";
  return `The transaction was refused, nothing was written: item ${first.index} (${first.path}): ${first.error.message}${more}`;
}
