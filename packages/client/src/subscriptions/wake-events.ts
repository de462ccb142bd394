/**
 * Wake events on a pull-wake subscription's wake stream (PROTOCOL §7.2): on a JSON stream
 * each message is one, on any other stream each line. The stream belongs to the application
 * and may carry other messages; only well-formed wake events count.
 */
import { isJsonContentType } from "@rivulet/protocol";
import type { Batch } from "../read/batch.js";

export interface WakeEvent {
  readonly subscriptionId: string;
  readonly stream: string;
  readonly generation: number;
}

export function wakeEventsOf(batch: Batch<unknown>, contentType: string | undefined): WakeEvent[] {
  const messages = contentType !== undefined && isJsonContentType(contentType) ? batch.items : lines(batch.text);
  return messages.flatMap((message) => {
    const event = asWakeEvent(message);
    return event ? [event] : [];
  });
}

function lines(text: string): unknown[] {
  return text.split("\n").flatMap((line) => {
    if (line.trim() === "") return [];
    try {
      return [JSON.parse(line)];
    } catch {
      return [];
    }
  });
}

function asWakeEvent(message: unknown): WakeEvent | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const { type, subscription_id: subscriptionId, stream, generation } = message as Record<string, unknown>;
  if (type !== "wake" || typeof subscriptionId !== "string" || typeof stream !== "string") return undefined;
  return { subscriptionId, stream, generation: Number.isSafeInteger(generation) ? (generation as number) : 0 };
}
