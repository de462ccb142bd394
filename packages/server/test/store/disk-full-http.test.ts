/**
 * A full disk seen over HTTP: the append answers 507 with a stable code and Retry-After,
 * nothing of it becomes visible, reads keep working, and writes resume once space is free.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { faultyIo } from "./faulty-io.js";

const io = faultyIo();
let server: RivuletServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-full-"));
  server = await startServer({ port: 0, store: new FileStore({ dir, io }) });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

test("disk full: 507 INSUFFICIENT_STORAGE, reads unaffected, writes resume, producer retry deduplicates correctly", async () => {
  const url = `${server.url}/v1/stream/full`;
  const post = (body: string, seq: number) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "text/plain", "producer-id": "p", "producer-epoch": "0", "producer-seq": String(seq) },
      body,
    });
  expect((await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } })).status).toBe(201);
  expect((await post("one;", 0)).status).toBe(200);

  io.failWrites = { match: /./, code: "ENOSPC" };
  const refused = await post("two;", 1);
  expect(refused.status).toBe(507);
  expect(refused.headers.get("retry-after")).toBeTruthy();
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("INSUFFICIENT_STORAGE");

  const read = await fetch(url);
  expect(read.status).toBe(200);
  expect(await read.text()).toBe("one;");

  io.failWrites = undefined;
  // The refused batch was never written, so retrying the same seq is new data, not a duplicate.
  expect((await post("two;", 1)).status).toBe(200);
  expect(await (await fetch(url)).text()).toBe("one;two;");
});
