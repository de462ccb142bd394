/**
 * One SSE connection's life: send what exists from the offset, then wait for appends and
 * send them, with a control event after every data event (PROTOCOL §5.8). Ends on closure,
 * deletion, client disconnect, or after the configured lifetime (§10.2, about 60 s).
 */
import {
  type ControlEvent,
  controlEvent,
  formatOffset,
  isJsonContentType,
  jsonDataLines,
  nextCursor,
  recordsDataLines,
  sseEvent,
  textDataLines,
} from "@rivulet/protocol";
import { readChunk } from "../engine/reader.js";
import { readRecords } from "../engine/records.js";
import type { StreamState } from "../engine/stream-state.js";
import { waitForData } from "../engine/wait.js";
import type { Context } from "./context.js";
import type { ReplySink } from "./exchange.js";

export interface SseStart {
  readonly position: number;
  readonly base64: boolean;
  /** Records view: data events carry records, at most `limit` each. */
  readonly records: { readonly limit: number } | undefined;
  readonly cursor: string | undefined;
}

export async function runSseSession(
  context: Context,
  stream: StreamState,
  sink: ReplySink,
  start: SseStart,
): Promise<void> {
  const { engine, options } = context;
  const deadline = engine.now() + options.sseLifetimeMs;
  let position = start.position;
  let cursor = start.cursor;
  let announced = false;
  // One close listener for the whole connection; each wait borrows it.
  let abortWait: (() => void) | undefined;
  sink.onClose(() => abortWait?.());
  engine.acquireLive(stream);
  try {
    while (!sink.closed) {
      if (stream.tail > position) {
        const { chunk, event } = await nextEvent(context, stream, position, start);
        position = chunk.end;
        cursor = nextCursor(engine.now(), cursor);
        sink.write(event);
        const more = sink.write(control(position, cursor, chunk.upToDate, chunk.closed));
        announced = true;
        if (chunk.closed) break;
        if (!more) await sink.drain();
        continue;
      }
      if (stream.closed) {
        sink.write(control(position, cursor, true, true));
        break;
      }
      if (!announced) {
        // §8: the first control event tells a caught-up client where the tail is.
        cursor = nextCursor(engine.now(), cursor);
        sink.write(control(position, cursor, true, false));
        announced = true;
      }
      const remaining = deadline - engine.now();
      if (remaining <= 0) break;
      const reason = await waitForData(engine, stream, position, remaining, (abort) => {
        abortWait = abort;
      });
      abortWait = undefined;
      if (reason === "timeout" || reason === "aborted" || reason === "gone" || reason === "closing") break;
    }
  } catch {
    // A read failure ends the session; the client reconnects from its last offset.
  } finally {
    engine.releaseLive(stream);
    sink.end();
  }
}

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
