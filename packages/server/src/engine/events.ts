/**
 * What happens to streams, as one typed in-process feed: the thing subscriptions, retention,
 * topics, metrics and the dashboard listen to. Events are emitted once the change is durable
 * and visible, in order per stream. Per-stream live waiters (live.ts) stay the fast path for
 * readers; this feed is for features.
 *
 * On a store other nodes write too, the change feed (cluster/change-feed/attach.ts) turns their
 * notices into `remote` events here, so features see the cluster's writes, not only this
 * node's. A notice says where a stream is now, not what moved it, so a remote event carries
 * only what a notice can tell.
 */
import type { Retention } from "@rivulet/protocol";
import type { StreamMeta } from "../store/types.js";

export type EngineEvent =
  | {
      readonly type: "created";
      readonly path: string;
      readonly meta: StreamMeta;
      readonly tail: number;
      /** Another node created it (its meta and tail as the store held them when this node looked). */
      readonly remote?: true;
    }
  | {
      readonly type: "appended";
      readonly path: string;
      /** Stored positions [start, end) the append occupies. */
      readonly start: number;
      readonly end: number;
      readonly messages: number;
      readonly remote?: undefined;
    }
  /**
   * Another node moved the stream (appended, or closed or trimmed it) and its tail is now `end`:
   * notices merge, so how many appends, and from where, is not known here.
   */
  | { readonly type: "appended"; readonly path: string; readonly end: number; readonly remote: true }
  | { readonly type: "closed"; readonly path: string; readonly tail: number; readonly remote?: true }
  /** Retention or a trim moved the earliest retained position (docs/extensions.md). */
  | { readonly type: "trimmed"; readonly path: string; readonly earliest: number }
  /** The stream's own retention settings changed. */
  | { readonly type: "configured"; readonly path: string; readonly retention: Retention }
  /** Its TTL or expiry time passed; a `deleted` event follows once its removal is durable. */
  | { readonly type: "expired"; readonly path: string }
  | {
      readonly type: "deleted";
      readonly path: string;
      /** Soft: kept for its forks' reads, gone to clients (PROTOCOL §4.2). */
      readonly soft: boolean;
      readonly cause: "request" | "expired" | "released";
      /** For a fork: its source (which no longer needs to keep what this fork read). */
      readonly source?: string | undefined;
      readonly remote?: undefined;
    }
  /** Another node removed or soft-deleted the stream (a notice does not say which, nor why). */
  | { readonly type: "deleted"; readonly path: string; readonly remote: true };

export type EngineEventType = EngineEvent["type"];
export type EventOf<T extends EngineEventType> = Extract<EngineEvent, { type: T }>;
type Listener<T extends EngineEventType> = (event: EventOf<T>) => void;

export class EventFeed {
  private readonly listeners = new Map<EngineEventType, Set<Listener<EngineEventType>>>();

  /** @param onListenerError a listener that throws is reported here and never breaks the engine */
  constructor(private readonly onListenerError: (error: unknown, event: EngineEvent) => void) {}

  /** Calls `listener` for every event of `type`; returns the function that stops it. */
  on<T extends EngineEventType>(type: T, listener: Listener<T>): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener as unknown as Listener<EngineEventType>);
    return () => set.delete(listener as unknown as Listener<EngineEventType>);
  }

  emit(event: EngineEvent): void {
    const set = this.listeners.get(event.type);
    if (!set) return;
    for (const listener of set) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }
}
