/**
 * Event-time windows. Each kind is its own constructor — `tumbling("5m")`,
 * `hopping("5m", "1m")`, `sliding("5m")` — rather than the seed's `window(tumbling:, sliding:)`
 * named arguments: a hopping window has two sizes (its length and how far it advances), which a
 * single `sliding:` duration cannot say, and a value per kind leaves no meaningless
 * combinations (`tumbling` and `sliding` both set).
 *
 * Windows are half-open `[start, end)` in ms since the epoch. A window closes once stream time
 * (the highest event time seen by its task) reaches `end + grace`; a record whose every window
 * has closed is late: counted, dropped, or sent to `lateTopic`.
 */
import { invalid } from "../options.js";
import { type Duration, durationMs } from "./duration.js";

export interface Window {
  readonly start: number;
  readonly end: number;
}

export type EmitMode = "update" | "close";

export interface WindowOptions {
  /** How long after its end a window still accepts late records (default 0). */
  grace?: Duration;
  /** `"update"` (default): a result on every change; `"close"`: one final result when the window closes. */
  emit?: EmitMode;
  /** Late records (beyond grace) go to this topic as they came, instead of only being counted. */
  lateTopic?: string;
}

export interface WindowSpec {
  readonly kind: "tumbling" | "hopping" | "sliding";
  readonly sizeMs: number;
  readonly advanceMs: number;
  readonly graceMs: number;
  readonly emit: EmitMode;
  readonly lateTopic: string | undefined;
}

export function tumbling(size: Duration, options: WindowOptions = {}): WindowSpec {
  const sizeMs = durationMs("size", size);
  return spec("tumbling", sizeMs, sizeMs, options);
}

export function hopping(size: Duration, advance: Duration, options: WindowOptions = {}): WindowSpec {
  const sizeMs = durationMs("size", size);
  const advanceMs = durationMs("advance", advance);
  if (advanceMs > sizeMs) throw invalid("advance", `must not exceed the window size (${sizeMs} ms), got ${advanceMs}`);
  return spec("hopping", sizeMs, advanceMs, options);
}

/**
 * A sliding window: for each record, the window of `size` ending at it, `[ts - size + 1, ts + 1)`
 * — "the last five minutes as of this record". Its aggregate covers every record of the key in
 * that span, including ones that arrive later out of order (within grace).
 */
export function sliding(size: Duration, options: WindowOptions = {}): WindowSpec {
  return spec("sliding", durationMs("size", size), 1, options);
}

function spec(kind: WindowSpec["kind"], sizeMs: number, advanceMs: number, options: WindowOptions): WindowSpec {
  if (typeof options !== "object" || options === null) throw invalid("window options", "must be an object");
  const emit = options.emit ?? "update";
  if (emit !== "update" && emit !== "close")
    throw invalid("emit", `must be "update" or "close", got ${JSON.stringify(emit)}`);
  if (options.lateTopic !== undefined && typeof options.lateTopic !== "string")
    throw invalid("lateTopic", "must be a topic");
  return {
    kind,
    sizeMs,
    advanceMs,
    graceMs: options.grace === undefined ? 0 : durationMs("grace", options.grace, 0),
    emit,
    lateTopic: options.lateTopic,
  };
}

/** The fixed (tumbling or hopping) windows holding event time `ts`, oldest first. */
export function fixedWindowsOf(spec: WindowSpec, ts: number): Window[] {
  const out: Window[] = [];
  const lastStart = ts - mod(ts, spec.advanceMs);
  for (let start = lastStart; start > ts - spec.sizeMs; start -= spec.advanceMs) {
    out.unshift({ start, end: start + spec.sizeMs });
  }
  return out;
}

/** The sliding window a record at `ts` defines. */
export function slidingWindowOf(spec: WindowSpec, ts: number): Window {
  return { start: ts - spec.sizeMs + 1, end: ts + 1 };
}

export function isClosed(spec: WindowSpec, window: Window, streamTime: number): boolean {
  return streamTime >= window.end + spec.graceMs;
}

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}
