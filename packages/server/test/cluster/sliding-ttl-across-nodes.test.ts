/**
 * A sliding Stream-TTL (PROTOCOL §5.1) on a cluster counts the reads every node served: a node
 * whose own accesses say the stream expired asks the store for the latest one any node
 * recorded before it answers 404 or removes the stream (the sweep decides the same way), and a
 * node that loads the stream late counts from that recorded access, not from its load. Two
 * nodes on one store, no change feed traffic; only Date is faked, so the clock moves exactly.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { TestApp } from "../handlers/helpers.js";
import { twoQuietNodes } from "./quiet-nodes.js";

const open: TestApp[] = [];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
});
afterEach(async () => {
  for (const app of open.splice(0)) await app.close();
  vi.useRealTimers();
});

const later = (ms: number) => vi.setSystemTime(Date.now() + ms);

const twoNodes = () => twoQuietNodes(open);

const status = async (app: TestApp, path: string, method = "HEAD") => (await app.request(path, { method })).status;

test("a read through B keeps alive a stream A last read more than a TTL ago", async () => {
  const { a, b } = await twoNodes();
  const path = a.path();
  await a.create(path, "text/plain", "kept", { "stream-ttl": "10" });
  expect(await status(a, path, "GET")).toBe(200);
  later(8_000);
  expect(await status(b, path, "GET")).toBe(200);
  later(7_000); // 15 s after A's read, 7 s after B's
  expect(await status(a, path, "GET")).toBe(200);
  expect(await status(b, path)).toBe(200);
});

test("a node that loads a stream late counts its TTL from the last recorded read", async () => {
  const { a, b } = await twoNodes();
  const path = a.path();
  await a.create(path, "text/plain", "short", { "stream-ttl": "10" });
  later(1_000);
  expect(await status(a, path, "GET")).toBe(200);
  later(8_000);
  expect(await status(b, path)).toBe(200); // B loads it; HEAD is no access
  later(2_001); // 10 s after the read through A
  expect(await status(b, path)).toBe(404);
  expect(await status(a, path)).toBe(404);
});

test("a stream nobody read for a TTL expires on every node", async () => {
  const { a, b } = await twoNodes();
  const path = a.path();
  await a.create(path, "text/plain", "gone", { "stream-ttl": "10" });
  expect(await status(a, path, "GET")).toBe(200);
  later(5_000);
  expect(await status(b, path, "GET")).toBe(200);
  later(10_001);
  expect(await status(a, path)).toBe(404);
  expect(await status(b, path)).toBe(404);
});
