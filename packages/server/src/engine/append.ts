/**
 * One append (PROTOCOL §5): decided against the stream's state, waiting briefly for earlier
 * producer seqs (§5.2.1), written through the stream's writer, and decided again when another
 * server's write landed first (shared stores). The stream stays pinned in memory meanwhile:
 * the writer serialises per state object, and a gap waits on it (registry.ts).
 */
import { decideAppend } from "@rivulet/protocol";
import { StoreConflictError, StoreMissingError } from "../store/errors.js";
import { type AppendRequest, type AppendResult, frame, isSequenceGap, recordFor } from "./append-record.js";
import { GAP_RECHECK_MS, notCaughtUp } from "./stale-refusal.js";
import { storeError } from "./store-errors.js";
import type { StreamState } from "./stream-state.js";
import type { StreamWriter } from "./writer.js";

export interface AppendDeps {
  readonly writer: StreamWriter;
  readonly now: () => number;
  readonly reorderWaitMs: number;
  readonly conflictRetries: number;
  /** The store is shared with other servers: refusals and duplicates are checked against it. */
  readonly verifyReads: boolean;
  /** The stream at `path` for a write, pinned until `unpin` (Engine.get, registry.pin). */
  pinned(path: string, touch: boolean): Promise<StreamState>;
  unpin(stream: StreamState): void;
  /** Brings `stream` up to the store; whether it had moved (freshness.ts). */
  verify(stream: StreamState): Promise<boolean>;
  /** Another server changed the stream first: take its stored state. */
  resync(stream: StreamState): Promise<void>;
  /** Waits until another append of `stream` is decided, or `timeoutMs` passes. */
  waitForProgress(stream: StreamState, timeoutMs: number): Promise<void>;
  progressed(stream: StreamState): void;
  /** The store no longer has the stream. */
  forget(stream: StreamState): void;
}

export async function append(deps: AppendDeps, path: string, request: AppendRequest): Promise<AppendResult> {
  const pinned: StreamState[] = [];
  const get = async (touch: boolean) => {
    const stream = await deps.pinned(path, touch);
    pinned.push(stream);
    return stream;
  };
  try {
    return await appendPinned(deps, request, get);
  } finally {
    for (const stream of pinned) deps.unpin(stream);
  }
}

async function appendPinned(
  deps: AppendDeps,
  request: AppendRequest,
  get: (touch: boolean) => Promise<StreamState>,
): Promise<AppendResult> {
  for (let attempt = 0; ; attempt++) {
    let stream = await get(true);
    const deadline = deps.now() + deps.reorderWaitMs;
    let decision: ReturnType<typeof decideAppend>;
    let checked = false;
    let storeAhead = 0;
    /** The last check found the store ahead of this node: a refusal now may rest on stale state. */
    let aheadAtLastCheck = false;
    for (;;) {
      try {
        decision = decideAppend(stream.decisionView, request);
        break;
      } catch (error) {
        // On a shared store a refusal (seq gap, closed, stale epoch, unexpected tail) may come
        // from what this node held, not what is stored: check, then decide again. The check
        // waits for this node's own appends of the stream to settle, so what it holds may have
        // moved even when the store is not ahead (under load the reorder window could pass
        // meanwhile, and a gap was answered for a seq the node by then held as next). While
        // the store is found ahead, check again after deciding again, at most conflictRetries
        // times: bounded by progress, not a spin.
        if (deps.verifyReads && !checked) {
          checked = true;
          aheadAtLastCheck = await deps.verify(stream);
          if (aheadAtLastCheck && ++storeAhead < deps.conflictRetries) checked = false;
          stream = await get(false);
          continue;
        }
        // §5.2.1: pipelined requests can arrive out of order; a seq that skips ahead waits
        // briefly for the ones before it instead of failing at once.
        const wait = deadline - deps.now();
        if (!isSequenceGap(error) || wait <= 0) throw aheadAtLastCheck ? notCaughtUp(stream.path) : error;
        // On a shared store the earlier seq may land through another server, which wakes no
        // waiter here: look at the store again every slice until the deadline.
        await deps.waitForProgress(stream, deps.verifyReads ? Math.min(wait, GAP_RECHECK_MS) : wait);
        checked = false;
        stream = await get(false);
      }
    }
    if (decision.kind === "noop") {
      // A duplicate is answered from memory: on a shared store, only once it is current.
      if (deps.verifyReads && attempt < deps.conflictRetries && (await deps.verify(stream))) continue;
      return {
        written: false,
        tail: stream.decidedTail,
        closed: stream.decidedClosed,
        producer: decision.producer,
        appended: undefined,
        commitWaitMs: 0,
      };
    }
    const framed = frame(stream.contentType, request.body, "append");
    const seq = stream.decidedNextSeq;
    const record = recordFor(stream, decision, framed, deps.now());
    const handedOver = performance.now();
    const written = deps.writer.write(stream, record);
    deps.progressed(stream);
    try {
      await written;
    } catch (error) {
      if (error instanceof StoreConflictError && attempt < deps.conflictRetries) {
        await deps.resync(stream);
        continue;
      }
      if (error instanceof StoreMissingError) deps.forget(stream);
      throw storeError(error);
    }
    return {
      written: true,
      tail: record.position + record.data.length,
      closed: stream.closed,
      producer: decision.producer?.state,
      appended: record.messages > 0 ? { seq, ts: record.ts } : undefined,
      commitWaitMs: performance.now() - handedOver,
    };
  }
}
