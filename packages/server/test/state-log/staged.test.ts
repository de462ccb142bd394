/**
 * Staged state-log records (StateLog.stage): written by someone else inside an atomic write,
 * in the log's own order, and applied by the owner only once written.
 */
import { Engine, MemoryStore, type Store } from "@rivulet/server";
import { describe, expect, test } from "vitest";
import { generationPath } from "../../src/features/state-log/generations.js";
import { StateLog, type StateLogOwner } from "../../src/features/state-log/state-log.js";

const ROOT = "/v1/stream/__ds/state/staged";

type Entry = { add: number } | { total: number };

class Counter implements StateLogOwner<Entry> {
  total = 0;
  replayed: Entry[] = [];
  replay(entry: Entry): void {
    this.replayed.push(entry);
    if ("total" in entry) this.total = entry.total;
    else this.total += entry.add;
  }
  *snapshot(): Iterable<Entry> {
    yield { total: this.total };
  }
  add(log: StateLog<Entry>, n: number): Promise<void> {
    this.total += n;
    return log.append({ add: n });
  }
}

async function openLog(store: Store, compactAfterRecords = 1000) {
  const engine = new Engine({ store, internalPrefix: "/v1/stream/__ds/" });
  await engine.open();
  const log = new StateLog<Entry>({ engine, root: ROOT, compactAfterRecords });
  const owner = new Counter();
  await log.open(owner);
  return { engine, log, owner };
}

/** What a transaction does with a staged write: append its body (here alone), then settle. */
async function writeStaged(engine: Engine, path: string, body: Uint8Array): Promise<void> {
  await engine.appendAtomic([
    {
      path,
      body,
      hasBody: true,
      contentType: "application/json",
      close: false,
      streamSeq: undefined,
      producer: undefined,
    },
  ]);
}

describe("staged state-log records", () => {
  test("staging waits for earlier records; later ones wait for the staged write; all replay in that order", async () => {
    const store = new MemoryStore();
    const { engine, log, owner } = await openLog(store);
    const earlier = owner.add(log, 1);
    const staged = log.stage([{ add: 10 }, { add: 20 }]);
    let laterDone = false;
    const write = await staged;
    // Handed over only once the earlier record is durable.
    await earlier;
    const later = owner.add(log, 100).then(() => {
      laterDone = true;
    });
    expect(write.path).toBe(generationPath(ROOT, 1));
    await writeStaged(engine, write.path, write.body);
    expect(laterDone).toBe(false);
    owner.total += 30;
    write.settle(true);
    await later;
    await log.close();
    const again = await openLog(store);
    expect(again.owner.replayed).toEqual([{ add: 1 }, { add: 10 }, { add: 20 }, { add: 100 }]);
    expect(again.owner.total).toBe(131);
  });

  test("a staged write that was not written leaves nothing; the log goes on", async () => {
    const store = new MemoryStore();
    const { log, owner } = await openLog(store);
    await owner.add(log, 1);
    const write = await log.stage([{ add: 50 }]);
    write.settle(false);
    await owner.add(log, 2);
    await log.close();
    const again = await openLog(store);
    expect(again.owner.replayed).toEqual([{ add: 1 }, { add: 2 }]);
  });

  test("staging on an empty log starts its first generation", async () => {
    const store = new MemoryStore();
    const { engine, log } = await openLog(store);
    const write = await log.stage([{ add: 7 }]);
    expect(log.currentGeneration).toBe(1);
    await writeStaged(engine, write.path, write.body);
    write.settle(true);
    await log.close();
    expect((await openLog(store)).owner.total).toBe(7);
  });

  test("no compaction while a staged write waits; the next one includes the records the owner applied", async () => {
    const store = new MemoryStore();
    const { engine, log, owner } = await openLog(store, 3);
    for (let n = 0; n < 3; n++) await owner.add(log, 1);
    const write = await log.stage([{ add: 5 }]);
    // Due for compaction, but a staged write is out: records queue behind it in the same generation.
    const queued = owner.add(log, 1);
    await writeStaged(engine, write.path, write.body);
    expect(log.currentGeneration).toBe(1);
    owner.total += 5;
    write.settle(true);
    await queued;
    await owner.add(log, 1);
    expect(log.currentGeneration).toBe(2);
    await log.close();
    const again = await openLog(store);
    expect(again.owner.total).toBe(10);
    expect(again.owner.replayed[0]).toEqual({ total: 9 });
  });

  test("a closed or failed log refuses to stage", async () => {
    const { log } = await openLog(new MemoryStore());
    await log.close();
    await expect(log.stage([{ add: 1 }])).rejects.toThrow(/not open/);
  });
});
