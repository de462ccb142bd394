/**
 * The streams pages in a real browser against a real server: the list in pages of 100 with
 * search and keyboard navigation, a live tail that shows an append within a second, and
 * append, fork, close and delete done from the page (checked through the API).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, type Dashboard, screenshot, startDashboard } from "./support/harness.js";

let dashboard: Dashboard;
let server: ReturnType<typeof api>;
beforeAll(async () => {
  dashboard = await startDashboard();
  server = api(dashboard.url);
}, 300_000);
afterAll(() => dashboard?.close());

describe("the streams list", () => {
  test("says when there are no streams yet", async () => {
    const page = await dashboard.page("/ui/streams");
    await page.waitForSelector('[data-state="empty"] >> text=No streams yet');
    await screenshot(page, "streams-empty");
    await page.close();
  });

  test("pages through 250 streams 100 at a time, searches, and opens a row from the keyboard", async () => {
    const names = Array.from({ length: 250 }, (_, i) => `list/s-${String(i).padStart(3, "0")}`);
    for (let i = 0; i < names.length; i += 50)
      await Promise.all(names.slice(i, i + 50).map((name) => server.create(name)));
    await server.append("list/s-000", '[{"hello":"world"},{"n":2}]');
    const page = await dashboard.page("/ui/streams");
    await page.waitForSelector('table[data-rows="100"]');
    expect(await page.textContent("tbody tr:first-child td:first-child")).toBe("list/s-000");
    await screenshot(page, "streams");
    await page.click("a[rel=next]");
    await page.waitForSelector('table[data-rows="100"] >> text=list/s-100');
    await page.click("a[rel=next]");
    await page.waitForSelector('table[data-rows="50"] >> text=list/s-249');
    expect(await page.isVisible("a[rel=next]")).toBe(false);
    expect(new URL(page.url()).searchParams.get("after")).toBe("/v1/stream/list/s-199");

    await page.goto(`${dashboard.url}/ui/streams?q=12&match=contains`);
    await page.waitForSelector('table[data-rows="13"]');
    await page.goto(`${dashboard.url}/ui/streams`);
    await page.waitForSelector('table[data-rows="100"]');
    await page.keyboard.press("/");
    await page.keyboard.type("list/s-24");
    await page.waitForSelector('table[data-rows="10"]');
    expect(new URL(page.url()).searchParams.get("q")).toBe("list/s-24");
    await page.keyboard.press("Escape");
    await page.keyboard.press("j");
    await page.keyboard.press("Enter");
    await page.waitForSelector("h1:text('list/s-241')");
    await page.close();
  });
});

describe("a stream's page", () => {
  test("its live tail shows an append within a second, and pauses and resumes without losing one", async () => {
    await server.create("chat/tail");
    await server.append("chat/tail", '{"role":"user","text":"before the page opened"}');
    const page = await dashboard.page("/ui/streams/chat/tail");
    await page.waitForSelector('[data-tail-state="live"] >> text=before the page opened');
    const appended = await server.append("chat/tail", '{"role":"bot","text":"live now"}');
    expect(appended.status).toBe(204);
    await page.waitForSelector("[data-message] >> text=live now", { timeout: 1000 });
    await page.keyboard.press("p");
    await page.waitForSelector('[data-tail-state="paused"]');
    await server.append("chat/tail", '{"text":"while paused"}');
    await page.click('[data-action="pause"]');
    await page.waitForSelector("[data-message] >> text=while paused");
    expect(await page.locator("[data-message]").count()).toBe(3);
    await screenshot(page, "stream");
    await page.close();
  });

  test("append, fork, close and delete from the page", async () => {
    await server.create("orders/42");
    const page = await dashboard.page("/ui/streams/orders/42");
    await page.waitForSelector('[data-tail-state="live"]');

    await page.fill("#append-body", '{"item":"book","qty":1}');
    await page.click('[data-action="append"]');
    await page.waitForSelector('[data-outcome="ok"]');
    await page.waitForSelector("[data-message] >> text=book");
    expect(await (await server.read("orders/42")).json()).toEqual([{ item: "book", qty: 1 }]);

    await page.fill("#fork-target", "orders/42-copy");
    await page.click('[data-action="fork"]');
    await page.waitForSelector("h1:text('orders/42-copy')");
    const fork = await server.head("orders/42-copy");
    expect(fork.status).toBe(200);
    expect(await (await server.read("orders/42-copy")).json()).toEqual([{ item: "book", qty: 1 }]);

    await page.click('[data-action="close"]');
    await page.waitForSelector('[role="dialog"] >> text=Close orders/42-copy?');
    await screenshot(page, "confirm-close");
    await page.click("[data-confirm]");
    await page.waitForSelector('[data-stream-state="closed"]');
    expect((await server.head("orders/42-copy")).headers.get("stream-closed")).toBe("true");

    await page.click('[data-action="delete"]');
    await page.click("text=Cancel");
    expect((await server.head("orders/42-copy")).status).toBe(200);
    await page.click('[data-action="delete"]');
    await page.click("[data-confirm]");
    await page.waitForURL(`${dashboard.url}/ui/streams`);
    expect((await server.head("orders/42-copy")).status).toBe(404);
    await page.close();
  });

  test("a stream that does not exist says so", async () => {
    const page = await dashboard.page("/ui/streams/never/made");
    await page.waitForSelector('[data-state="missing"]');
    await page.close();
  });
});
