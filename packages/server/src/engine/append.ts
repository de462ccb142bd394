/**
 * One append (PROTOCOL §5): decided against the stream's state, waiting briefly for earlier
 * producer seqs (§5.2.1), written through the stream's writer, and decided again when another
 * server's write landed first (shared stores). The stream stays pinned in memory meanwhile:
 * the writer serialises per state object, and a gap waits on it (registry.ts).
 */
import { decideAppend } from "@rivulet/protocol";
import { StoreConflictError, StoreMissingError } from "../store/errors.js";
import { type AppendRequest, type AppendResult, frame, isSequenceGap, recordFor } from "./append-record.js";
import { RefusalCheck } from "./stale-refusal.js";
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
    const check = new RefusalCheck(deps.verifyReads, deps.conflictRetries);
    for (;;) {
      try {
        decision = decideAppend(stream.decisionView, request);
        break;
      } catch (error) {
        // On a shared store, not before the store was checked (stale-refusal.ts).
        if (check.due) {
          check.checkedStore(await deps.verify(stream));
          stream = await get(false);
          continue;
        }
        // §5.2.1: pipelined requests can arrive out of order; a seq that skips ahead waits
        // briefly for the ones before it instead of failing at once.
        const wait = deadline - deps.now();
        if (!isSequenceGap(error) || wait <= 0) throw check.answer(error, stream.path);
        await deps.waitForProgress(stream, check.gapWaitMs(wait));
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
