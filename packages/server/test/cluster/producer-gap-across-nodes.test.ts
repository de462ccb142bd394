/**
 * PROTOCOL §5.2.1: pipelined producer appends may arrive out of order, and one whose seq skips
 * ahead waits briefly for the earlier one instead of failing. In a cluster the earlier append
 * may land on another node: the waiting node must see it in the store, not only appends it
 * decided itself. Two nodes on one store with no change feed between them and no re-check, so
 * only the waiting append's own look at the store can fill the gap.
 */
import { ChangeBus, MemoryStore } from "@rivulet/server";
import { afterEach, expect, test } from "vitest";
import { startApp, type TestApp, text } from "../handlers/helpers.js";

const open: TestApp[] = [];
afterEach(async () => {
  for (const app of open.splice(0)) await app.close();
});

const NEVER = 3_600_000;

test("an append whose seq skips ahead on node B succeeds once the earlier seq lands through node A", async () => {
  const store = new MemoryStore();
  const node = async (id: string) => {
    const app = await startApp({
      store,
      producerReorderWaitMs: 5_000,
      cluster: { changeFeed: new ChangeBus().feed(id), recheckIntervalMs: NEVER },
    });
    open.push(app);
    return app;
  };
  const a = await node("a");
  const b = await node("b");
  const path = a.path("gap");
  await a.create(path, "text/plain");
  const post = (app: TestApp, seq: number, body: string) =>
    app.request(path, {
      method: "POST",
      headers: { "content-type": "text/plain", "producer-id": "p", "producer-epoch": "0", "producer-seq": String(seq) },
      body,
    });
  // Epoch 0 starts at seq 0 through A; then seq 2 reaches B before seq 1 reaches A.
  expect((await post(a, 0, "zero;")).status).toBe(200);
  expect((await b.request(`${path}?offset=-1`)).status).toBe(200); // B holds the stream at seq 0
  const ahead = post(b, 2, "two;");
  expect((await post(a, 1, "one;")).status).toBe(200);
  expect((await ahead).status).toBe(200);
  expect(await text(await a.request(`${path}?offset=-1`))).toBe("zero;one;two;");
});
