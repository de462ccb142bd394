/**
 * A JSON stream on the server under test through which the orchestrator and several
 * load-generator processes coordinate: members say they are ready, the orchestrator says go,
 * members report what they finished, the orchestrator says stop. Everyone waits by
 * long-polling the stream, so a step follows the event it waits for, never a guessed delay.
 */
import { stream } from "@rivulet/client";

export type ControlMessage =
  | { readonly type: "ready"; readonly member: number }
  | { readonly type: "go" }
  /** A member's commit covering the partition's last record was answered at `at` (epoch ms). */
  | { readonly type: "done"; readonly member: number; readonly partition: number; readonly at: number }
  | { readonly type: "stop" };

/** Wall-clock ms with sub-ms precision, comparable between processes on one machine. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

export async function createControl(url: string): Promise<void> {
  const res = await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`creating the control stream ${url}: ${res.status}`);
}

export async function sendControl(url: string, message: ControlMessage): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(message),
  });
  await res.arrayBuffer();
  if (res.status !== 204 && res.status !== 200) throw new Error(`appending to ${url}: ${res.status}`);
}

/**
 * Reads the control stream from its start, live, calling `seen` with every message, until
 * `seen` returns true (resolves) or `signal` aborts (rejects).
 */
export async function watchControl(
  url: string,
  seen: (message: ControlMessage) => boolean,
  signal?: AbortSignal,
): Promise<void> {
  const response = await stream<ControlMessage>({
    url,
    offset: "-1",
    live: "long-poll",
    contentType: "application/json",
    ...(signal === undefined ? {} : { signal }),
  });
  for await (const batch of response) {
    for (const message of batch.items) if (seen(message)) return;
  }
  throw new Error(`the control stream ${url} ended`);
}
