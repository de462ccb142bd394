/**
 * One SSE connection's life: send what exists from the offset, then wait for appends and
 * send them, with a control event after every data event (PROTOCOL §5.8). Ends on closure,
 * deletion, client disconnect, or after the configured lifetime (§10.2, about 60 s).
 *
 * A session caught up with the tail is its own waiter on the stream's live set and holds no
 * promise, closure or timer while it waits (the lifetime queue has one timer for all). When an
 * append wakes it, the event is built once per append, view and cursor (`LiveSet.shared`) and
 * the same bytes are written to every session at that position; a session that is behind, or
 * reads the records view, reads and encodes its own events.
 */
import {
  type ControlEvent,
  controlEvent,
  currentInterval,
  formatOffset,
  isJsonContentType,
  jsonDataLines,
  nextCursor,
  recordsDataLines,
  sseEvent,
  textDataLines,
} from "@rivulet/protocol";
import type { Engine } from "../engine/engine.js";
import { type Expiring, type LifetimeQueue, lifetimeQueue } from "../engine/lifetime-queue.js";
import type { LiveSet, LiveWaiter, WakeReason } from "../engine/live.js";
import { readChunk } from "../engine/reader.js";
import { readRecords } from "../engine/records.js";
import type { StreamState } from "../engine/stream-state.js";
import type { Context } from "./context.js";
import type { ReplySink } from "./exchange.js";

export interface SseStart {
  readonly position: number;
  readonly base64: boolean;
  /** Records view: data events carry records, at most `limit` each. */
  readonly records: { readonly limit: number } | undefined;
  readonly cursor: string | undefined;
}

export function runSseSession(context: Context, stream: StreamState, sink: ReplySink, start: SseStart): void {
  const held = context.engine.acquireLive(stream);
  // The stream left memory while the answer's headers went out: end at once, and the client
  // reconnects from its offset (§10.2) to a fresh lookup.
  if (!held) sink.end();
  else new SseSession(context, held, sink, start).begin();
}

class SseSession implements LiveWaiter, Expiring {
  expiresAt = 0;
  previousExpiring: Expiring | undefined;
  nextExpiring: Expiring | undefined;
  liveList: LiveWaiter["liveList"];
  liveSlot = -1;
  private position: number;
  /**
   * §10.1: cursors never go backwards and exceed the one the client sent. The first control
   * event's cursor (jittered past the client's when needed) is the floor; later ones are the
   * current interval or the floor, whichever is higher, so sessions at one offset share events.
   */
  private cursorFloor = 0;
  private announced = false;
  /** Reading, writing or waiting for a drain: wakeups are picked up when it loops. */
  private pumping = false;
  /** Why the session must end as soon as the running pump lets it. */
  private stop: WakeReason | undefined;
  private ended = false;
  private readonly engine: Engine;
  private readonly live: LiveSet;
  private readonly stream: StreamState;
  private readonly lifetime: LifetimeQueue;

  constructor(
    private readonly context: Context,
    held: { stream: StreamState; live: LiveSet },
    private readonly sink: ReplySink,
    private readonly start: SseStart,
  ) {
    this.engine = context.engine;
    this.position = start.position;
    this.stream = held.stream;
    this.live = held.live;
    this.lifetime = lifetimeQueue(context.options.sseLifetimeMs);
  }

  begin(): void {
    this.lifetime.add(this);
    this.sink.onClose(() => this.wake("aborted"));
    void this.pump();
  }

  expire(): void {
    this.wake("timeout");
  }

  wake(reason: WakeReason): void {
    if (this.ended) return;
    if (reason === "data" || reason === "closed") {
      if (!this.pumping && !this.sendShared()) void this.pump();
      return;
    }
    if (this.pumping) this.stop = reason;
    else this.finish();
  }

  /**
   * The fast path for a session at the tail's previous position: the append is still in the
   * live set's recent bytes, so its event is the one every such session gets. False when the
   * session has to read (behind, records view, event larger than a chunk).
   */
  private sendShared(): boolean {
    const { stream, position } = this;
    const end = stream.tail;
    if (this.start.records || end <= position || end - position > this.context.options.chunkBytes) return false;
    const bytes = this.live.recall(position, end);
    if (!bytes) return false;
    const frame = this.sharedFrame(position, end, bytes);
    this.position = end;
    const more = this.sink.write(frame);
    if (stream.closed) this.finish();
    else if (!more || this.sink.closed) void this.pump(true);
    else this.live.add(this);
    return true;
  }

  /**
   * The event for [position, end) as the sessions at `position` share it. A fan-out asks for
   * the same frame once per session in a row, so the last one is checked first, without
   * building the key string (and hashing it) per session.
   */
  private sharedFrame(position: number, end: number, bytes: Uint8Array): Buffer {
    const { stream, live } = this;
    const base64 = this.start.base64;
    const closed = stream.closed;
    const cursor = closed ? 0 : this.cursorNumber();
    const last = lastFrame;
    if (
      last.live === live &&
      last.position === position &&
      last.end === end &&
      last.base64 === base64 &&
      last.closed === closed &&
      last.cursor === cursor
    ) {
      return last.frame;
    }
    const text = closed ? undefined : String(cursor);
    const key = `sse:${position}:${end}:${base64 ? "b" : "t"}:${closed ? "c" : text}`;
    const frame = live.shared(key, () =>
      Buffer.from(dataEvent(stream.contentType, [bytes], base64) + control(end, text, true, closed)),
    );
    lastFrame = { live, position, end, base64, closed, cursor, frame };
    return frame;
  }

  /** Reads, writes and waits until caught up; `backedUp`: the last write asked for a drain. */
  private async pump(backedUp = false): Promise<void> {
    this.pumping = true;
    const { sink, stream, engine } = this;
    try {
      if (backedUp) await sink.drain();
      while (!sink.closed && this.stop === undefined) {
        if (stream.tail > this.position) {
          const { chunk, event } = await nextEvent(this.context, stream, this.position, this.start);
          this.position = chunk.end;
          sink.write(event);
          const more = sink.write(control(this.position, this.cursor(), chunk.upToDate, chunk.closed));
          this.announced = true;
          if (chunk.closed) break;
          if (!more) await sink.drain();
          continue;
        }
        if (stream.closed) {
          sink.write(control(this.position, this.cursor(), true, true));
          break;
        }
        if (!this.announced) {
          // §8: the first control event tells a caught-up client where the tail is.
          sink.write(control(this.position, this.cursor(), true, false));
          this.announced = true;
        }
        if (engine.draining || stream.softDeleted || !engine.holds(stream)) break;
        // Caught up: wait as the live set's waiter, with nothing pending.
        this.pumping = false;
        this.live.add(this);
        return;
      }
    } catch {
      // A read failure ends the session; the client reconnects from its last offset.
    }
    this.pumping = false;
    this.finish();
  }

  private cursor(): string {
    return String(this.cursorNumber());
  }

  private cursorNumber(): number {
    if (this.cursorFloor === 0) {
      this.cursorFloor = Number(nextCursor(this.engine.now(), this.start.cursor));
      return this.cursorFloor;
    }
    return Math.max(currentInterval(this.engine.now()), this.cursorFloor);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.live.remove(this);
    this.lifetime.remove(this);
    this.engine.releaseLive(this.stream);
    this.sink.end();
  }
}

/**
 * The shared frame handed out last. The bytes of [position, end) of a stream never change once
 * committed and the live set is the stream's own, so the fields are the whole key.
 */
interface LastFrame {
  readonly live: LiveSet | undefined;
  readonly position: number;
  readonly end: number;
  readonly base64: boolean;
  readonly closed: boolean;
  readonly cursor: number;
  readonly frame: Buffer;
}

let lastFrame: LastFrame = {
  live: undefined,
  position: -1,
  end: -1,
  base64: false,
  closed: false,
  cursor: -1,
  frame: Buffer.alloc(0),
};

/** The next data event from `position`, in the session's view. */
async function nextEvent(
  context: Context,
  stream: StreamState,
  position: number,
  start: SseStart,
): Promise<{ chunk: { end: number; upToDate: boolean; closed: boolean }; event: string }> {
  const { engine, options } = context;
  if (start.records) {
    const chunk = await readRecords(engine, stream, position, options.chunkBytes, start.records.limit);
    const text = chunk.body.toString("utf8");
    chunk.release();
    return { chunk, event: sseEvent("data", recordsDataLines(text)) };
  }
  const chunk = await readChunk(engine, stream, position, options.chunkBytes);
  return { chunk, event: dataEvent(stream.contentType, chunk.parts, start.base64) };
}

function control(position: number, cursor: string | undefined, upToDate: boolean, closed: boolean): string {
  const event: ControlEvent = { streamNextOffset: formatOffset(position) };
  // §5.8: a cursor only while the stream is open; closure implies up-to-date.
  if (closed) {
    event.streamClosed = true;
    event.upToDate = true;
  } else {
    if (cursor !== undefined) event.streamCursor = cursor;
    if (upToDate) event.upToDate = true;
  }
  return controlEvent(event);
}

function dataEvent(contentType: string, parts: Uint8Array[], base64: boolean): string {
  const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (base64) return sseEvent("data", [buffer.toString("base64")]);
  const text = buffer.toString("utf8");
  return sseEvent("data", isJsonContentType(contentType) ? jsonDataLines(text) : textDataLines(text));
}
