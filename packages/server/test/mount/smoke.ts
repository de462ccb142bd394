/**
 * The smoke flow every mounted server must pass: create, append, catch-up read, long-poll woken
 * by an append, SSE receiving a data event, delete. `send` is how the host is reached; `app`
 * is the mounted ProtocolApp, watched so appends come once the live reader waits.
 */
import type { ProtocolApp } from "@rivulet/server";
import { expect } from "vitest";
import { parseSse } from "../../../protocol/test/sse-parse.js";
import { readersWaiting } from "../support/live-readers.js";

export type Send = (path: string, init?: RequestInit) => Promise<Response>;

export async function smokeFlow(send: Send, streamPath: string, app: ProtocolApp): Promise<void> {
  const json = { "content-type": "application/json" };

  // Create.
  const created = await send(streamPath, { method: "PUT", headers: json });
  expect(created.status).toBe(201);
  expect(created.headers.get("location")).toMatch(new RegExp(`${streamPath}$`));

  // Append.
  const appended = await send(streamPath, { method: "POST", headers: json, body: '[{"n":1},{"n":2}]' });
  expect(appended.status).toBe(204);
  const tail = appended.headers.get("stream-next-offset")!;
  expect(tail).toBeTruthy();

  // Catch-up read.
  const read = await send(`${streamPath}?offset=-1`);
  expect(read.status).toBe(200);
  expect(await read.json()).toEqual([{ n: 1 }, { n: 2 }]);
  expect(read.headers.get("stream-next-offset")).toBe(tail);
  expect(read.headers.get("stream-up-to-date")).toBe("true");

  // Long-poll at the tail, woken by an append.
  const poll = send(`${streamPath}?offset=${tail}&live=long-poll`);
  await readersWaiting(app.engine, streamPath);
  await send(streamPath, { method: "POST", headers: json, body: '{"n":3}' });
  const woken = await poll;
  expect(woken.status).toBe(200);
  expect(await woken.json()).toEqual([{ n: 3 }]);
  expect(woken.headers.get("stream-cursor")).toMatch(/^\d+$/);
  const afterPoll = woken.headers.get("stream-next-offset")!;

  // SSE from there, receiving the next append as a data event.
  const sse = await send(`${streamPath}?offset=${afterPoll}&live=sse`);
  expect(sse.status).toBe(200);
  expect(sse.headers.get("content-type")).toBe("text/event-stream");
  const appendLater = readersWaiting(app.engine, streamPath).then(() =>
    send(streamPath, { method: "POST", headers: json, body: '{"n":4}' }),
  );
  const event = await firstDataEvent(sse);
  await appendLater;
  expect(JSON.parse(event)).toEqual([{ n: 4 }]);

  // Delete.
  expect((await send(streamPath, { method: "DELETE" })).status).toBe(204);
  const gone = await send(streamPath);
  expect(gone.status).toBe(404);
  expect(((await gone.json()) as { error: { code: string } }).error.code).toBe("STREAM_NOT_FOUND");
}

async function firstDataEvent(res: Response): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + 3_000;
  while (Date.now() < deadline) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const complete = text.slice(0, text.lastIndexOf("\n\n") + 2);
    const data = parseSse(complete).find((e) => e.event === "data");
    if (data) {
      await reader.cancel();
      return data.data;
    }
  }
  throw new Error(`no SSE data event; got ${JSON.stringify(text)}`);
}
