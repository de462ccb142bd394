/**
 * The listing at scale: a search scans a bounded number of streams per request and says where
 * to continue, so it costs the same with 12,000 streams as with a million.
 */
import { MemoryStore } from "@rivulet/server";
import { expect, test } from "vitest";
import { SEARCH_SCAN_LIMIT } from "../../src/features/admin-list/index.js";
import { startApp } from "../handlers/helpers.js";

interface Page {
  streams: Array<{ path: string }>;
  next: string | null;
  scanned: number;
}

test("a search over more streams than one request scans continues where it stopped", async () => {
  const store = new MemoryStore();
  const total = SEARCH_SCAN_LIMIT + 2_000;
  for (let i = 0; i < total; i++) {
    const name = String(i).padStart(6, "0");
    await store.create(
      {
        path: `/v1/stream/s/${name}`,
        contentType: "text/plain",
        lifetime: {},
        createdAt: i + 1,
        retention: {},
      },
      undefined,
    );
  }
  const t = await startApp({ store });
  try {
    const search = async (after?: string) => {
      const query = `search=7&limit=1000${after ? `&after=${encodeURIComponent(after)}` : ""}`;
      return (await (await t.request(`/v1/stream/__ds/streams?${query}`)).json()) as Page;
    };
    const expected = Array.from({ length: total }, (_, i) => String(i).padStart(6, "0")).filter((n) => n.includes("7"));
    const found: string[] = [];
    let page = await search();
    const pages = [page];
    while (page.next !== null) {
      found.push(...page.streams.map((s) => s.path.slice("/v1/stream/s/".length)));
      page = await search(page.next);
      pages.push(page);
    }
    found.push(...page.streams.map((s) => s.path.slice("/v1/stream/s/".length)));
    expect(found).toEqual(expected);
    expect(Math.max(...pages.map((p) => p.scanned))).toBeLessThanOrEqual(SEARCH_SCAN_LIMIT);
    expect(pages.every((p) => p.streams.length <= 1000)).toBe(true);
  } finally {
    await t.close();
  }
});
