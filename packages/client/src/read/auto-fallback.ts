/**
 * The auto live mode's judgement of SSE: keep using it while connections are healthy; switch
 * to long-poll for the rest of the session when a connection is buffered (no event arrives),
 * the server or a proxy does not speak SSE, or connections keep dropping soon after opening.
 */
import { definedOnly } from "../check.js";
import { type AutoFallbackOptions, DEFAULT_AUTO_FALLBACK } from "./read-options.js";

export type FallbackReason = "buffered" | "dropping" | "unsupported";

export interface ConnectionOutcome {
  /** The response headers arrived with an event-stream body. */
  connected: boolean;
  /** How long the connection was open, in ms (0 when it never connected). */
  durationMs: number;
  /** Events received on it. */
  events: number;
  /** It delivered no event within the first-event limit. */
  stalled: boolean;
  /** It failed because the server or a proxy answered with something other than an event stream. */
  unsupported: boolean;
}

export class AutoFallback {
  readonly options: Required<AutoFallbackOptions>;
  #shortInARow = 0;
  #decided: FallbackReason | undefined;

  constructor(options: AutoFallbackOptions | undefined) {
    this.options = { ...DEFAULT_AUTO_FALLBACK, ...definedOnly(options ?? {}) };
  }

  /** Why SSE was given up, or undefined while it is still in use. */
  get fallenBack(): FallbackReason | undefined {
    return this.#decided;
  }

  /**
   * Records how an SSE connection ended. With `mayFallBack` (auto mode), returns the reason
   * when this ends SSE for the session; otherwise it only keeps count of short connections.
   */
  record(outcome: ConnectionOutcome, mayFallBack: boolean): FallbackReason | undefined {
    if (this.#decided) return undefined;
    const healthy = outcome.connected && outcome.events > 0 && outcome.durationMs >= this.options.minConnectionMs;
    this.#shortInARow = healthy ? 0 : this.#shortInARow + 1;
    if (!mayFallBack) return undefined;
    if (outcome.unsupported) return this.#fallBack("unsupported");
    if (outcome.stalled) return this.#fallBack("buffered");
    if (this.#shortInARow >= this.options.maxShortConnections) return this.#fallBack("dropping");
    return undefined;
  }

  /** Whether the last connection was short, so the next one should wait (backoff) first. */
  get lastWasShort(): boolean {
    return this.#shortInARow > 0;
  }

  get shortConnections(): number {
    return this.#shortInARow;
  }

  #fallBack(reason: FallbackReason): FallbackReason {
    this.#decided = reason;
    return reason;
  }
}
