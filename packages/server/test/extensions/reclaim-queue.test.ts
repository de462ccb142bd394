/**
 * Which new streams the background reclaimer queues: only those retention applies to (their
 * own setting or the server's default). A bulk create of streams without retention must not
 * leave one queue entry per stream behind.
 */

import type { Retention } from "@rivulet/protocol";
import { Engine, MemoryStore, silentLogger } from "@rivulet/server";
import { describe, expect, test } from "vitest";
import { Reclaimer } from "../../src/features/retention/reclaimer.js";

const create = (retention: Retention, body = new Uint8Array(0)) => ({
  contentType: "application/octet-stream",
  lifetime: {},
  closed: false,
  body,
  retention,
  fork: undefined,
});

async function reclaimerOn(defaultRetention?: Retention) {
  const engine = new Engine({ store: new MemoryStore(), ...(defaultRetention ? { defaultRetention } : {}) });
  await engine.open();
  // A long interval: the queue is looked at before any tick empties it.
  const reclaimer = new Reclaimer(engine, { intervalMs: 3_600_000, maxStreams: 8, maxUnits: 8 }, silentLogger);
  reclaimer.start();
  return { engine, reclaimer };
}

describe("reclaimer queue", () => {
  test("new streams without retention are not queued; those with their own retention are", async () => {
    const { engine, reclaimer } = await reclaimerOn();
    await engine.create("/a", create({}));
    await engine.create("/b", create({}, new Uint8Array(10)));
    expect(reclaimer.pending).toBe(0);
    await engine.create("/c", create({ bytes: 100 }));
    await engine.create("/d", create({ ms: 1000 }));
    expect(reclaimer.pending).toBe(2);
    await reclaimer.stop();
  });

  test("under a server default retention every new stream is queued", async () => {
    const { engine, reclaimer } = await reclaimerOn({ ms: 60_000 });
    await engine.create("/a", create({}));
    await engine.create("/b", create({}));
    expect(reclaimer.pending).toBe(2);
    await reclaimer.stop();
  });
});
