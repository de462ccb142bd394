/**
 * The topics, groups and subscriptions pages in a real browser against a real server: a
 * topic's partitions with their sizes; a group's lag appearing on its chart and falling as
 * its consumer commits; resetting offsets refused while a member is active (the server's
 * 409 GROUP_NOT_EMPTY on the page) and done once it left; a failing subscription's deliveries
 * with their retries.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Dashboard, screenshot, startDashboard } from "./support/harness.js";

let dashboard: Dashboard;
beforeAll(async () => {
  dashboard = await startDashboard();
}, 300_000);
afterAll(() => dashboard?.close());

/** A JSON request to the server's API from the test, answering its JSON (or null for 204). */
async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown> | null> {
  const res = await fetch(`${dashboard.url}/v1/stream/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text === "" ? null : (JSON.parse(text) as Record<string, unknown>);
}

/** The newest figure of the page's lag chart: total messages behind over every partition. */
async function chartLag(page: Page): Promise<number | undefined> {
  const last = await page.getAttribute('[data-chart="lag"]', "data-last");
  return last === null || last === "" ? undefined : Number(last);
}

async function waitForLag(page: Page, lag: number): Promise<void> {
  await page.waitForSelector(`[data-chart="lag"][data-last="${lag}"]`, { timeout: 10_000 });
}

interface Partition {
  partition: number;
  next_offset: string;
}

describe("topics and groups", () => {
  test("a topic's page lists its partitions with their sizes and messages", async () => {
    await call("PUT", "__ds/topics/orders", { partitions: 2 });
    const records = Array.from({ length: 10 }, (_, i) => ({ key: `customer-${i}`, value: { total: i } }));
    await call("POST", "__ds/topics/orders/records", records);
    const page = await dashboard.page("/ui/topics");
    await page.click("a >> text=orders");
    await page.waitForSelector('table[data-rows="2"] tr[data-partition="1"]');
    expect(new URL(page.url()).pathname).toBe("/ui/topics/orders");
    const messages = await page.$$eval("tr[data-partition] td:nth-child(4)", (cells) =>
      cells.map((cell) => Number(cell.textContent)),
    );
    expect(messages.reduce((a, b) => a + b, 0)).toBe(10);
    await screenshot(page, "topic");
    await page.goto(`${dashboard.url}/ui/topics`);
    await page.waitForSelector('table[data-rows="1"]');
    await screenshot(page, "topics");
    await page.close();
  });

  test("a group's lag appears and falls as a consumer catches up", async () => {
    // The group starts at the beginning of the topic (a group comes to be with its first reset).
    await call("POST", "__ds/groups/billing/offsets/reset", { topics: ["orders"], to: "earliest" });
    const joined = (await call("POST", "__ds/groups/billing/heartbeat", { member_epoch: 0, topics: ["orders"] }))!;
    const member = { member_id: joined.member_id, member_epoch: joined.member_epoch };
    const page = await dashboard.page("/ui/groups");
    const lagPolls: number[] = [];
    page.on("requestfinished", (request) => {
      if (new URL(request.url()).pathname.endsWith("/billing/offsets")) lagPolls.push(request.timing().startTime);
    });
    await page.click("a >> text=billing");
    await page.waitForSelector("[data-group-state] >> text=stable");
    // The whole topic is behind.
    await waitForLag(page, 10);
    await page.waitForSelector("tr[data-member] >> text=orders 0, 1");
    const topic = (await call("GET", "__ds/topics/orders")) as unknown as { partitions: Partition[] };
    // The consumer processes partition 0 and commits; then partition 1.
    const commit = (p: Partition) =>
      call("POST", "__ds/groups/billing/commit", {
        ...member,
        offsets: [{ topic: "orders", partition: p.partition, offset: p.next_offset }],
      });
    await commit(topic.partitions[0]!);
    const afterFirst = await waitForFall(page, 10);
    expect(afterFirst).toBeGreaterThan(0);
    await screenshot(page, "group");
    await commit(topic.partitions[1]!);
    await waitForLag(page, 0);
    const points = Number(await page.getAttribute('[data-chart="lag"]', "data-points"));
    expect(points).toBeGreaterThanOrEqual(3);
    expect(await page.$$eval("tr[data-lag]", (rows) => rows.map((row) => row.getAttribute("data-lag")))).toEqual([
      "0",
      "0",
    ]);

    // Reset while the member is active: the page shows the server's refusal.
    await page.selectOption('select[aria-label="Reset to"]', "earliest");
    await page.click("button >> text=Reset…");
    await page.click("[data-confirm]");
    const refusal = await page.waitForSelector('[data-reset="refused"]');
    expect(await refusal.textContent()).toContain("GROUP_NOT_EMPTY");
    await screenshot(page, "group-reset-refused");

    // Once the member left, the same reset is done and the lag is back.
    await call("POST", "__ds/groups/billing/heartbeat", { ...member, member_epoch: -1 });
    await page.click("button >> text=Reset…");
    await page.click("[data-confirm]");
    await page.waitForSelector('[data-reset="done"]');
    await waitForLag(page, 10);
    // The lag is polled at most once a second (a stamp may come a few hundred ms late on a busy machine).
    expect(lagPolls.length).toBeGreaterThanOrEqual(3);
    expect(lagPolls[lagPolls.length - 1]! - lagPolls[0]!).toBeGreaterThanOrEqual((lagPolls.length - 1) * 1000 - 400);
    // Opened afresh, the empty group still offers its topics to reset (from its offsets).
    await page.reload();
    await page.waitForSelector('[data-state="no-members"]');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('select[aria-label="Topic"] option')].some((o) => o.textContent === "orders"),
    );
    await page.goto(`${dashboard.url}/ui/groups`);
    await page.waitForSelector('table[data-rows="1"] >> text=empty');
    await screenshot(page, "groups");
    await page.close();
  });
});

/** Waits until the chart shows less lag than `from` (the commit has been seen), answering it. */
async function waitForFall(page: Page, from: number): Promise<number> {
  await page.waitForFunction(
    (before) => {
      const last = document.querySelector('[data-chart="lag"]')?.getAttribute("data-last");
      return last !== null && last !== undefined && last !== "" && Number(last) < before;
    },
    from,
    { timeout: 10_000 },
  );
  return (await chartLag(page))!;
}

describe("subscriptions", () => {
  test("a subscription whose wake stream is missing shows failed deliveries and when it retries", async () => {
    await call("PUT", "__ds/subscriptions/jobs", { type: "pull-wake", pattern: "jobs/*", wake_stream: "wakes/jobs" });
    await call("PUT", "jobs/1", undefined);
    await call("POST", "jobs/1", { task: "resize" });
    const page = await dashboard.page("/ui/subscriptions");
    await page.waitForSelector('tr[data-subscription="jobs"] >> text=failed');
    await screenshot(page, "subscriptions");
    await page.click("a >> text=jobs");
    await page.waitForSelector('tr[data-outcome="failed"]');
    expect(await page.textContent("[data-status]")).toBe("failed");
    // Newest first: the oldest attempt shown is the first failure, each later one the next retry.
    const retries = await page.$$eval('tr[data-outcome="failed"] td:nth-child(5)', (cells) =>
      cells.map((cell) => cell.textContent ?? ""),
    );
    expect(retries[retries.length - 1]).toMatch(/^#1 at /);
    expect(retries.map((text) => Number(/^#(\d+)/.exec(text)?.[1]))).toEqual(retries.map((_, i) => retries.length - i));
    await screenshot(page, "subscription");
    // Once the wake stream exists, the retry writes the wake events and the subscription is active again.
    await call("PUT", "wakes/jobs", undefined);
    await page.waitForSelector('tr[data-outcome="written"]', { timeout: 15_000 });
    await page.waitForSelector('[data-status="active"]');
    await page.close();
  });
});
