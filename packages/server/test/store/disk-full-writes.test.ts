/**
 * Every write path on a full disk, before and after a restart (fault injection through the
 * FileIo seam; integrity/full-disk-tmpfs.test.ts fills a real filesystem): create, append,
 * close, fork and DELETE answer 507 with Retry-After and change nothing, readiness says so
 * from start-up, and a stream whose DELETE was acknowledged never comes back.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type FaultyIo, faultyIo } from "./faulty-io.js";

let dir: string;
let io: FaultyIo;
let server: RivuletServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-full-writes-"));
  io = faultyIo();
});
afterEach(async () => {
  await server?.close({ graceMs: 100 });
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function restart(): Promise<RivuletServer> {
  await server?.close({ graceMs: 100 });
  server = await startServer({ port: 0, store: new FileStore({ dir, io }) });
  return server;
}

const url = (path: string) => `${server!.url}/v1/stream/${path}`;
const text = { "content-type": "text/plain" };

const writes: Record<string, () => Promise<Response>> = {
  create: () => fetch(url("new"), { method: "PUT", headers: text, body: "x" }),
  append: () => fetch(url("a"), { method: "POST", headers: text, body: "more" }),
  close: () => fetch(url("a"), { method: "POST", headers: { ...text, "stream-closed": "true" } }),
  fork: () => fetch(url("fork-2"), { method: "PUT", headers: { ...text, "stream-forked-from": "/v1/stream/a" } }),
  delete: () => fetch(url("a"), { method: "DELETE" }),
  "delete (soft: the source of a fork)": () => fetch(url("source"), { method: "DELETE" }),
};

async function expectRefused(response: Response): Promise<void> {
  expect(response.status).toBe(507);
  expect(response.headers.get("retry-after")).toBeTruthy();
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe("INSUFFICIENT_STORAGE");
}

async function expectUnchanged(): Promise<void> {
  expect(await (await fetch(url("a"))).text()).toBe("kept");
  expect((await fetch(url("a"), { method: "HEAD" })).headers.get("stream-closed")).toBeNull();
  expect(await (await fetch(url("source"))).text()).toBe("source");
  expect((await fetch(url("new"))).status).toBe(404);
  expect((await fetch(url("fork-2"))).status).toBe(404);
}

async function readiness(): Promise<number> {
  return (await fetch(`${server!.url}/readyz`)).status;
}

/** Readiness re-measures free space when asked while not ready; wait for the answer to change. */
async function untilReady(): Promise<void> {
  for (let i = 0; i < 100 && (await readiness()) !== 200; i++) await new Promise((r) => setTimeout(r, 20));
  expect(await readiness()).toBe(200);
}

async function streams(): Promise<void> {
  await fetch(url("a"), { method: "PUT", headers: text, body: "kept" });
  await fetch(url("source"), { method: "PUT", headers: text, body: "source" });
  await fetch(url("fork"), { method: "PUT", headers: { ...text, "stream-forked-from": "/v1/stream/source" } });
}

describe("when every write fails with ENOSPC", () => {
  test("every write path answers 507 and changes nothing, before and after a restart; readiness says so from start-up", async () => {
    await restart();
    await streams();
    io.failWrites = { match: /./, code: "ENOSPC" };
    for (const [name, write] of Object.entries(writes)) {
      await expectRefused(await write()).catch((error: Error) => {
        throw new Error(`${name}: ${error.message}`);
      });
    }
    await expectUnchanged();
    expect(await readiness()).toBe(503);

    // A restart on the still full disk (the clean stop's checkpoint cannot be written either).
    await restart();
    expect(await readiness()).toBe(503);
    for (const write of Object.values(writes)) await expectRefused(await write());
    await expectUnchanged();

    // Space again: the same deletes succeed, and stay done across a restart.
    io.failWrites = undefined;
    await untilReady();
    expect((await writes.delete!()).status).toBe(204);
    expect((await writes["delete (soft: the source of a fork)"]!()).status).toBe(204);
    expect((await fetch(url("a"))).status).toBe(404);
    expect((await fetch(url("source"))).status).toBe(410);
    await restart();
    expect((await fetch(url("a"))).status).toBe(404);
    expect((await fetch(url("source"))).status).toBe(410);
    expect(await (await fetch(url("fork"))).text()).toBe("source");
  });
});

describe("when the disk is full as a filesystem fills (writes that grow a file fail)", () => {
  test("appends with data are refused with 507, writes the preallocated log can take succeed, and nothing is half-done", async () => {
    await restart();
    await streams();
    io.full = true;
    await expectRefused(await writes.append!());
    // Creating, closing and deleting write only the log, which is preallocated: they succeed.
    expect((await fetch(url("empty"), { method: "PUT", headers: text })).status).toBe(201);
    expect((await writes.delete!()).status).toBe(204);
    expect(await readiness()).toBe(503);
    await restart();
    expect(await readiness()).toBe(503);
    // After a restart the new log segment has no preallocated space: everything is refused.
    await expectRefused(await fetch(url("source"), { method: "DELETE" }));
    expect(await (await fetch(url("source"))).text()).toBe("source");
    expect((await fetch(url("a"))).status).toBe(404);
    io.full = false;
    await untilReady();
    await restart();
    expect((await fetch(url("a"))).status).toBe(404);
    expect((await fetch(url("empty"))).status).toBe(200);
  });
});
