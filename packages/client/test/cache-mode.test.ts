/**
 * Catch-up reads ask caches to revalidate (fetch cache mode "no-cache"), and only they do;
 * a runtime whose Request rejects the `cache` field (Cloudflare Workers) gets none.
 * The browser behaviour this prevents is tested in Chromium (browser.test.ts).
 */
import { DurableStream, type FetchLike } from "@rivulet/client";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ longPollTimeoutMs: 100 });
});
afterAll(() => server.close());
afterEach(() => {
  vi.unstubAllGlobals();
});

/** The real fetch, noting each request's method, live mode and cache mode. */
function recordingFetch() {
  const seen: { method: string; live: string | null; cache: unknown }[] = [];
  const fetch: FetchLike = (url, init) => {
    const live = new URL(url).searchParams.get("live");
    seen.push({ method: init.method ?? "GET", live, cache: (init as { cache?: unknown }).cache });
    return globalThis.fetch(url, init);
  };
  return { fetch, seen };
}

async function readTwice(fetch: FetchLike): Promise<unknown[]> {
  const handle = await DurableStream.create({ url: server.streamUrl("cache"), contentType: "application/json", fetch });
  await handle.appendJson(1);
  const live = await handle.stream({ live: "long-poll" });
  const items: unknown[] = [];
  for await (const batch of live) {
    items.push(...batch.items);
    // Caught up and one long-poll answered: enough to see which requests revalidate.
    if (batch.upToDate && items.length === 1) {
      await handle.appendJson(2);
    } else if (items.length === 2) break;
  }
  live.cancel();
  items.push(...(await (await handle.stream()).json()));
  return items;
}

describe("fetch cache mode", () => {
  it("catch-up reads send no-cache; long-polls and writes send none", async () => {
    const { fetch, seen } = recordingFetch();
    expect(await readTwice(fetch)).toEqual([1, 2, 1, 2]);
    const catchUps = seen.filter((r) => r.method === "GET" && r.live === null);
    const others = seen.filter((r) => !(r.method === "GET" && r.live === null));
    expect(catchUps.length).toBe(2);
    expect(catchUps.every((r) => r.cache === "no-cache")).toBe(true);
    expect(others.some((r) => r.live === "long-poll")).toBe(true);
    expect(others.every((r) => r.cache === undefined)).toBe(true);
  });

  it("where Request rejects the cache field, reads carry none and still work", async () => {
    const NativeRequest = globalThis.Request;
    vi.stubGlobal(
      "Request",
      class extends NativeRequest {
        constructor(input: string | URL | Request, init?: RequestInit) {
          if (init && "cache" in init)
            throw new TypeError("The 'cache' field on 'RequestInitializerDict' is not implemented.");
          super(input, init);
        }
      },
    );
    const { fetch, seen } = recordingFetch();
    expect(await readTwice(fetch)).toEqual([1, 2, 1, 2]);
    expect(seen.every((r) => r.cache === undefined)).toBe(true);
  });
});
