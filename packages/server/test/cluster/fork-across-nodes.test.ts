/**
 * PROTOCOL §4.2 forks on a cluster: a fork created through node B starts from its source as
 * the cluster acknowledged it, even when B held the source in memory from before an append or
 * a delete that went through node A. Two nodes on one store with no change feed between them,
 * so only the fork's own look at the store keeps B in step.
 */
import { ChangeBus, MemoryStore } from "@rivulet/server";
import { afterEach, expect, test } from "vitest";
import { expectError, startApp, type TestApp, text } from "../handlers/helpers.js";

const open: TestApp[] = [];
afterEach(async () => {
  for (const app of open.splice(0)) await app.close();
});

const NEVER = 3_600_000;

async function twoNodes() {
  const store = new MemoryStore();
  const node = async (id: string) => {
    const app = await startApp({ store, cluster: { changeFeed: new ChangeBus().feed(id), recheckIntervalMs: NEVER } });
    open.push(app);
    return app;
  };
  const a = await node("a");
  const b = await node("b");
  const source = a.path("source");
  await a.create(source, "text/plain", "A");
  expect(await text(await b.request(`${source}?offset=-1`))).toBe("A"); // B holds the source
  return { a, b, source };
}

test("a fork through B at the source's tail inherits an append made through A", async () => {
  const { a, b, source } = await twoNodes();
  const appended = await a.append(source, "text/plain", "BC");
  const fork = b.path("fork");
  await b.create(fork, "text/plain", undefined, {
    "stream-forked-from": source,
    "stream-fork-offset": appended.headers.get("stream-next-offset")!,
  });
  expect(await text(await a.request(`${fork}?offset=-1`))).toBe("ABC");
});

test("a fork through B of a source deleted through A is refused", async () => {
  const { a, b, source } = await twoNodes();
  expect((await a.request(source, { method: "DELETE" })).status).toBe(204);
  const refused = await b.request(b.path("fork"), {
    method: "PUT",
    headers: { "content-type": "text/plain", "stream-forked-from": source },
  });
  await expectError(refused, 404, "FORK_SOURCE_NOT_FOUND");
});
