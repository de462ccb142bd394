/**
 * The store closes every file it opens (a handle left to the garbage collector is a leaked
 * descriptor, and Node warns "Closing file descriptor on garbage collection"): through LRU
 * evictions, checkpoints, recovery, a simulated crash, and a checkpoint that fails part-way.
 */
import type { FileHandle } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppendRecord, FileStore, nodeIo } from "@rivulet/server";
import { afterEach, beforeEach, expect, test } from "vitest";
import { faultyIo } from "./faulty-io.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-handles-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A FileIo that knows which handles are open, and can refuse opens of some data files (EMFILE). */
function trackingIo() {
  const io = faultyIo();
  const open = new Map<FileHandle, string>();
  const state = { refuseData: false, opensAfterClose: 0, closed: false };
  io.open = async (path, flags) => {
    if (state.closed) state.opensAfterClose++;
    if (state.refuseData && /[^/]*0\.data$/.test(path)) {
      throw Object.assign(new Error("EMFILE: injected"), { code: "EMFILE" });
    }
    const handle = await nodeIo.open(path, flags);
    open.set(handle, path);
    const close = handle.close.bind(handle);
    handle.close = async () => {
      open.delete(handle);
      await close();
    };
    return handle;
  };
  return { io, open, state };
}

const record = (position: number, data: string): AppendRecord => ({
  position,
  data: new TextEncoder().encode(data),
  producer: undefined,
  streamSeq: undefined,
  close: false,
  ts: 1,
  messages: 1,
});
const meta = (path: string) => ({
  path,
  contentType: "text/plain",
  lifetime: {},
  createdAt: 0,
  retention: {},
});

async function busyStore(store: FileStore): Promise<void> {
  await store.open();
  await Promise.all(Array.from({ length: 300 }, (_, i) => store.create(meta(`/s${i}`), record(0, `stream ${i};`))));
  await Promise.all(
    Array.from({ length: 300 }, (_, i) => store.append(`/s${i}`, record(`stream ${i};`.length, "more;"))),
  );
  for (let i = 0; i < 300; i += 7) await store.read(`/s${i}`, 0, 5);
  for (let i = 0; i < 300; i += 11) await store.remove(`/s${i}`);
}

test("close, recovery and a simulated crash leave no file open", async () => {
  const { io, open } = trackingIo();
  const options = { dir, io, maxOpenFiles: 8, checkpointBytes: 4096 };
  const store = new FileStore(options);
  await busyStore(store);
  expect(open.size).toBeGreaterThan(0);
  await store.close();
  expect([...open.values()]).toEqual([]);

  const crashed = new FileStore(options);
  await crashed.open();
  await crashed.append("/s1", record("stream 1;more;".length, "again;"));
  await crashed.simulateCrash();
  expect([...open.values()]).toEqual([]);

  const recovered = new FileStore(options);
  await recovered.open();
  expect(new TextDecoder().decode(await recovered.read("/s1", 0, 20))).toBe("stream 1;more;again;");
  await recovered.close();
  expect([...open.values()]).toEqual([]);
});

test("a checkpoint whose file syncs fail part-way finishes them all before close closes the files", async () => {
  const { io, open, state } = trackingIo();
  const warnings: string[] = [];
  const store = new FileStore({ dir, io, maxOpenFiles: 8 });
  store.observe({ commit() {}, warning: (message) => warnings.push(message) });
  await busyStore(store);
  // The checkpoint at close must sync 270 data files; opening one in ten fails from now on.
  state.refuseData = true;
  await store.close();
  state.closed = true;
  expect(warnings.some((w) => w.startsWith("could not write a checkpoint"))).toBe(true);
  expect([...open.values()]).toEqual([]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(state.opensAfterClose).toBe(0);
  // Nothing is lost: the log kept every change the checkpoint could not cover.
  state.refuseData = false;
  const again = new FileStore({ dir, io, maxOpenFiles: 8 });
  await again.open();
  expect(new TextDecoder().decode(await again.read("/s299", 0, "stream 299;more;".length))).toBe("stream 299;more;");
  await again.close();
});
