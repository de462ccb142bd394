/**
 * Observability: one event type per thing worth watching, delivered to the caller's
 * `onEvent` hook and published on Node `diagnostics_channel` channels (see diagnostics.ts).
 * A throwing hook never breaks the client.
 */
import type { StreamError } from "../errors.js";
import { publishDiagnostic } from "./diagnostics.js";

export type ReadMode = "catch-up" | "long-poll" | "sse";

/** An event as reported; `ClientEvent` adds the time it happened. */
export type ClientEventBody =
  /** `attempt` counts tries of one request: 1 for the first, 2 for its first retry... */
  | { type: "request:start"; method: string; url: string; attempt: number }
  | { type: "request:end"; method: string; url: string; status: number; durationMs: number }
  | { type: "request:error"; method: string; url: string; error: StreamError; durationMs: number }
  /** The caller called the request off (a signal, `cancel()`, a consumer's `stop()`): not an error. */
  | { type: "request:aborted"; method: string; url: string; durationMs: number }
  | {
      type: "batch:received";
      url: string;
      mode: ReadMode;
      offset: string;
      bytes: number;
      /** Messages in the batch on a JSON stream; undefined on other streams, which have no message boundaries. */
      items: number | undefined;
      upToDate: boolean;
      closed: boolean;
    }
  | { type: "reconnect"; url: string; attempt: number; delayMs: number; error: StreamError }
  | { type: "fallback"; url: string; from: "sse"; to: "long-poll"; reason: "buffered" | "dropping" | "unsupported" }
  | {
      type: "producer:batch-sent";
      url: string;
      producerId: string;
      epoch: number;
      seq: number;
      items: number;
      bytes: number;
      durationMs: number;
      offset: string | undefined;
    }
  | { type: "producer:duplicate"; url: string; producerId: string; epoch: number; seq: number }
  | { type: "producer:batch-failed"; url: string; producerId: string; epoch: number; seq: number; error: StreamError }
  | { type: "consumer:checkpoint"; url: string; key: string; offset: string }
  /**
   * The consumer reads on from `to` instead of `from` (410 Gone with `onGone: "earliest"`, or
   * `onError`'s `resumeFrom`); `messages` says how many it skipped, when it knows (records mode).
   */
  | {
      type: "consumer:skipped";
      url: string;
      key: string;
      from: string;
      to: string;
      messages: number | undefined;
      error: unknown;
    }
  /** A failed run is started again (the `restart` option) after `delayMs`. */
  | { type: "consumer:restart"; url: string; key: string; attempt: number; delayMs: number; error: unknown };

/** Every event carries `timestamp`: when it happened, in milliseconds since the epoch (`Date.now()`). */
export type ClientEvent = ClientEventBody & { readonly timestamp: number };

export type ClientEventType = ClientEvent["type"];
export type EventHook = (event: ClientEvent) => void;

/** Every event type; the `satisfies` makes a missing or unknown one a compile error. */
const EVENT_TYPES = Object.keys({
  "request:start": 0,
  "request:end": 0,
  "request:error": 0,
  "request:aborted": 0,
  "batch:received": 0,
  reconnect: 0,
  fallback: 0,
  "producer:batch-sent": 0,
  "producer:duplicate": 0,
  "producer:batch-failed": 0,
  "consumer:checkpoint": 0,
  "consumer:skipped": 0,
  "consumer:restart": 0,
} satisfies Record<ClientEventType, 0>) as ClientEventType[];

const channelOf = <K extends ClientEventType>(type: K) => `rivulet:client:${type}` as const;

/** Node diagnostics_channel names, one per event type: `rivulet:client:<type>`. */
export const DIAGNOSTICS_CHANNELS = Object.fromEntries(EVENT_TYPES.map((type) => [type, channelOf(type)])) as {
  readonly [K in ClientEventType]: `rivulet:client:${K}`;
};

export function emit(hook: EventHook | undefined, body: ClientEventBody): void {
  const event = { ...body, timestamp: Date.now() } as ClientEvent;
  if (hook) {
    try {
      hook(event);
    } catch {
      // Observability must not change behaviour: a failing hook is ignored.
    }
  }
  publishDiagnostic(channelOf(event.type), event);
}
