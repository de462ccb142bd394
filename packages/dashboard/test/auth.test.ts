/**
 * The dashboard on a server with auth (what every server beyond loopback has): the page asks
 * for a token, refuses a wrong one, works with a right one, and the token stays out of every
 * URL the page requests and out of the server's logs.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Request } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { api, type Dashboard, screenshot, startDashboard } from "./support/harness.js";

const TOKEN = "dashboard-admin-token-8f3a1c9e5b7d2f40";
let dir: string;
let dashboard: Dashboard;
let logs = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-dashboard-auth-"));
  const tokens = join(dir, "tokens.json");
  await writeFile(tokens, JSON.stringify([{ token: TOKEN, scopes: ["admin", "read", "write"], id: "operator" }]));
  dashboard = await startDashboard(["--auth-tokens-file", tokens, "--log-level", "info"]);
  dashboard.server.child.stdout!.on("data", (chunk: Buffer) => {
    logs += chunk.toString();
  });
}, 300_000);
afterAll(async () => {
  await dashboard?.close();
  await rm(dir, { recursive: true, force: true });
});

test("asks for a token, refuses a wrong one, and with the right one shows every page", async () => {
  const server = api(dashboard.url, TOKEN);
  expect((await server.create("secured/events")).status).toBe(201);
  expect((await api(dashboard.url).create("secured/nope")).status).toBe(401);

  const page = await dashboard.page("/ui/streams");
  const urls: string[] = [];
  page.on("request", (request: Request) => urls.push(request.url()));
  await page.waitForSelector("#token");
  expect(await page.isVisible("nav")).toBe(false);
  await screenshot(page, "token-prompt");

  await page.fill("#token", "not-the-token");
  await page.click("button[type=submit]");
  await page.waitForSelector('[data-state="refused"]');

  await page.fill("#token", TOKEN);
  await page.click("button[type=submit]");
  await page.waitForSelector("text=secured/events");
  await page.click("text=secured/events");
  await page.waitForSelector('[data-tail-state="live"]');
  await page.click('nav a[href="/ui"]');
  await page.waitForSelector('[data-chart="appends"][data-points]:not([data-points="0"])');

  expect(await page.evaluate(() => sessionStorage.getItem("rivulet.token"))).toBe(TOKEN);
  expect(urls.length).toBeGreaterThan(3);
  expect(urls.filter((url) => url.includes(TOKEN) || url.includes(encodeURIComponent(TOKEN)))).toEqual([]);
  expect(page.url()).not.toContain(TOKEN);
  // The server logged the page's requests by the token's id, never the token.
  expect(logs).toContain('"principal":"operator"');
  expect(logs).not.toContain(TOKEN);

  // Signing out forgets the token and asks again.
  await page.click("text=Sign out");
  await page.waitForSelector("#token");
  expect(await page.evaluate(() => sessionStorage.getItem("rivulet.token"))).toBeNull();
  await page.close();
});
