/**
 * Two in-process nodes on one MemoryStore whose change feed never re-checks and whose expiry
 * never sweeps on its own: only what a request does (and the store says) moves them, so a test
 * sees exactly what one node decides from another node's writes. The caller closes `open`.
 */
import { ChangeBus, MemoryStore } from "@rivulet/server";
import { startApp, type TestApp } from "../handlers/helpers.js";

const NEVER = 3_600_000;

export async function twoQuietNodes(open: TestApp[]): Promise<{ a: TestApp; b: TestApp }> {
  const store = new MemoryStore();
  const bus = new ChangeBus();
  const node = async (id: string) => {
    const app = await startApp({
      store,
      sweepIntervalMs: NEVER,
      cluster: { changeFeed: bus.feed(id), recheckIntervalMs: NEVER },
    });
    open.push(app);
    return app;
  };
  return { a: await node("a"), b: await node("b") };
}
