/**
 * Out of file descriptors, forced through the FileIo seam (integrity/file-limit.test.ts runs a
 * real server under `ulimit -n`): an open that meets EMFILE closes an idle file and retries;
 * with none left to close, writes and reads answer 503 TOO_MANY_OPEN_FILES with Retry-After,
 * never a 500, change nothing, and readiness says so until opens succeed again.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, nodeIo, type RivuletServer, startServer } from "@rivulet/server";
import { afterEach, beforeEach, expect, test } from "vitest";
import { faultyIo } from "./faulty-io.js";

let dir: string;
let server: RivuletServer;
/** Data, checksum and index files that may still be opened before the process "runs out". */
let descriptorsLeft = Number.POSITIVE_INFINITY;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-emfile-"));
  const io = faultyIo();
  io.open = async (path, flags) => {
    if (/\.(data|crc|idx)$/.test(path)) {
      if (descriptorsLeft <= 0) throw Object.assign(new Error("EMFILE: too many open files"), { code: "EMFILE" });
      descriptorsLeft--;
      const handle = await nodeIo.open(path, flags);
      const close = handle.close.bind(handle);
      handle.close = async () => {
        descriptorsLeft++;
        await close();
      };
      return handle;
    }
    return nodeIo.open(path, flags);
  };
  server = await startServer({ port: 0, store: new FileStore({ dir, io, maxOpenFiles: 8 }) });
});
afterEach(async () => {
  descriptorsLeft = Number.POSITIVE_INFINITY;
  await server.close({ graceMs: 100 });
  await rm(dir, { recursive: true, force: true });
});

const url = (path: string) => `${server.url}/v1/stream/${path}`;
const post = (path: string, body: string) =>
  fetch(url(path), { method: "POST", headers: { "content-type": "text/plain" }, body });

async function expectBusy(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toBe("1");
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe("TOO_MANY_OPEN_FILES");
}

test("an idle file is closed to make room; with none left, 503 TOO_MANY_OPEN_FILES until descriptors return", async () => {
  for (const name of ["a", "b"]) {
    await fetch(url(name), { method: "PUT", headers: { "content-type": "text/plain" }, body: `${name};` });
  }
  // The process has exactly the descriptors the store holds now: a new file needs an old one closed.
  descriptorsLeft = 0;
  expect((await fetch(url("c"), { method: "PUT", headers: { "content-type": "text/plain" }, body: "c;" })).status).toBe(
    201,
  );
  expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
  expect(await (await fetch(url("c"))).text()).toBe("c;");

  // Connections took the last descriptors the store had given up: nothing left to close.
  descriptorsLeft = -10;
  await expectBusy(await post("a", "more;"));
  await expectBusy(await fetch(url("b")));
  await expectBusy(await fetch(url("d"), { method: "PUT", headers: { "content-type": "text/plain" }, body: "d;" }));
  const ready = await fetch(`${server.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(((await ready.json()) as { detail: string }).detail).toContain("out of file descriptors");
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(Number(/^rivulet_store_file_limit_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(4);

  descriptorsLeft = Number.POSITIVE_INFINITY;
  expect((await post("a", "more;")).status).toBe(204);
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  expect(await (await fetch(url("a"))).text()).toBe("a;more;");
  expect(await (await fetch(url("b"))).text()).toBe("b;");
  expect((await fetch(url("d"))).status).toBe(404);
});
