/**
 * The overview in a real browser against a real server: its charts move when load runs, and
 * each open page polls the metrics at most once a second, also after navigating away and back.
 */
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, type Dashboard, screenshot, startDashboard } from "./support/harness.js";

let dashboard: Dashboard;
beforeAll(async () => {
  dashboard = await startDashboard();
}, 300_000);
afterAll(() => dashboard?.close());

/** The newest value a chart shows (its element carries it). */
const chartValue = (page: Page, chart: string) =>
  page.$eval(`[data-chart="${chart}"]`, (element) => Number((element as HTMLElement).dataset.last || "0"));

describe("the overview", () => {
  test("its charts move when load runs: appends, bytes and commit latency", async () => {
    const page = await dashboard.page("/ui");
    await page.waitForSelector('[data-chart="appends"]');
    const server = api(dashboard.url);
    await server.create("load");
    // Load runs until the page's charts show it (the server samples once a second).
    let loading = true;
    const load = (async () => {
      let n = 0;
      while (loading) {
        await Promise.all(Array.from({ length: 8 }, () => server.append("load", JSON.stringify({ n: n++ }))));
      }
    })();
    try {
      await page.waitForFunction(
        () =>
          ["appends", "bytes", "commit"].every(
            (chart) => Number((document.querySelector(`[data-chart="${chart}"]`) as HTMLElement).dataset.last) > 0,
          ),
        undefined,
        { timeout: 15_000 },
      );
      // A few more seconds of load, so the screenshot shows lines rather than points.
      await page.waitForFunction(
        () => Number((document.querySelector('[data-chart="appends"]') as HTMLElement).dataset.points) >= 6,
        undefined,
        { timeout: 15_000 },
      );
    } finally {
      loading = false;
      await load;
    }
    expect(await chartValue(page, "appends")).toBeGreaterThan(0);
    expect(await chartValue(page, "commit")).toBeGreaterThan(0);
    expect(
      await page.$eval('[data-chart="appends"]', (e) => Number((e as HTMLElement).dataset.points)),
    ).toBeGreaterThan(0);
    await screenshot(page, "overview");
    await page.close();
  });

  test("each open page polls the metrics at most once a second, and only once after navigating away and back", async () => {
    const pages = [await dashboard.page("/ui"), await dashboard.page("/ui")];
    const polls = pages.map(() => [] as number[]);
    for (const [i, page] of pages.entries()) {
      page.on("requestfinished", (request: Request) => {
        // When the browser started the request, by its own clock (known once it finished).
        if (new URL(request.url()).pathname.endsWith("/__ds/metrics")) polls[i]!.push(request.timing().startTime);
      });
    }
    await waitFor(() => polls.every((times) => times.length >= 3));
    // Away to the streams list (no metrics there) and back: the overview's poller must not double.
    await pages[0]!.click('nav a[href="/ui/streams"]');
    await pages[0]!.waitForSelector("h1:text('Streams')");
    await pages[0]!.click('nav a[href="/ui"]');
    const before = polls[0]!.length;
    await waitFor(() => polls[0]!.length >= before + 3);
    for (const times of polls) {
      const gaps = times.slice(1).map((time, i) => time - times[i]!);
      // The poller starts a poll no sooner than 1000 ms after the last one started. The browser
      // stamps a request a moment after the page's timer fires, and on a busy machine that
      // moment varies by a few hundred ms: a late stamp shortens the gap after it by as much as
      // it lengthened the one before. So: no two polls anywhere near together (a second poller
      // would make some), and over the whole run no more than one poll a second (a poller at
      // twice the pace would fall short by a second every two polls).
      expect(Math.min(...gaps), JSON.stringify(gaps)).toBeGreaterThanOrEqual(500);
      const span = times[times.length - 1]! - times[0]!;
      expect(span, JSON.stringify(gaps)).toBeGreaterThanOrEqual(gaps.length * 1000 - 400);
    }
    await Promise.all(pages.map((page) => page.close()));
  });
});

/** Waits until the requests seen so far satisfy `condition` (checked as they arrive). */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
}
