/** An SSE connection must not add a listener per wait: a long session would leak them. */
import type { ServerResponse } from "node:http";
import { MemoryStore, startServer } from "@rivulet/server";
import { expect, test } from "vitest";

test("a long SSE session keeps a constant number of close listeners", async () => {
  const server = await startServer({ port: 0, store: new MemoryStore() });
  const responses: ServerResponse[] = [];
  server.http.prependListener("request", (_req, res: ServerResponse) => responses.push(res));
  try {
    const url = `${server.url}/v1/stream/listeners`;
    await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
    const abort = new AbortController();
    const sse = await fetch(`${url}?offset=-1&live=sse`, { signal: abort.signal });
    const reader = sse.body!.getReader();
    const sseResponse = responses[responses.length - 1]!;
    const baseline = sseResponse.listenerCount("close");
    for (let i = 0; i < 15; i++) {
      await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: `${i}` });
      await reader.read();
    }
    expect(sseResponse.listenerCount("close")).toBeLessThanOrEqual(baseline + 1);
    abort.abort();
  } finally {
    await server.close({ graceMs: 100 });
  }
});
