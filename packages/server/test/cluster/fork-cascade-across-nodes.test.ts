/**
 * PROTOCOL §4.2 garbage collection up a fork chain on a cluster: removing a source's last fork
 * removes the source if it was soft-deleted, even when the delete went through another node
 * and the node removing the fork still holds the source as it was before (it loaded the source
 * to make the fork). Two nodes on one store with no change feed and no sweep, so only the
 * removal's own look at the store can get it right.
 */
import { afterEach, expect, test } from "vitest";
import type { TestApp } from "../handlers/helpers.js";
import { twoQuietNodes } from "./quiet-nodes.js";

const open: TestApp[] = [];
afterEach(async () => {
  for (const app of open.splice(0)) await app.close();
});

const twoNodes = () => twoQuietNodes(open);

const head = async (app: TestApp, path: string) => (await app.request(path, { method: "HEAD" })).status;
const del = async (app: TestApp, path: string) => (await app.request(path, { method: "DELETE" })).status;

test("deleting the last fork through B removes a source soft-deleted through A", async () => {
  const { a, b } = await twoNodes();
  const source = a.path("source");
  const fork = a.path("fork");
  await a.create(source, "text/plain", "root");
  await b.create(fork, "text/plain", undefined, { "stream-forked-from": source }); // B loads the source
  expect(await del(a, source)).toBe(204);
  expect(await head(a, source)).toBe(410);
  expect(await del(b, fork)).toBe(204);
  expect(await head(a, source)).toBe(404);
  expect(await head(b, source)).toBe(404);
});

test("the removal cascades three levels when each level was deleted through another node", async () => {
  const { a, b } = await twoNodes();
  const [l0, l1, l2] = ["l0", "l1", "l2"].map((name) => a.path(name)) as [string, string, string];
  await a.create(l0, "text/plain", "root");
  await b.create(l1, "text/plain", undefined, { "stream-forked-from": l0 });
  await a.create(l2, "text/plain", undefined, { "stream-forked-from": l1 });
  expect(await del(a, l0)).toBe(204);
  expect(await del(b, l1)).toBe(204);
  expect([await head(a, l0), await head(a, l1)]).toEqual([410, 410]); // B still holds l0 as it loaded it
  expect(await del(b, l2)).toBe(204);
  for (const path of [l2, l1, l0]) expect([await head(a, path), await head(b, path)]).toEqual([404, 404]);
});
