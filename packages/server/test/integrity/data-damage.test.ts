/**
 * Stream data files carry block checksums (docs/storage.md, "Data files"): a flipped byte on
 * disk is never served. The read answers DATA_CORRUPTED, the log names the file and position,
 * /metrics counts it and /readyz says why. Blocks that are intact are still served.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dataDir, flipByte, post, put, type Server, serve } from "./support.js";

const BLOCK = 32 * 1024;

/** A JSON stream (id 1) and a byte stream of two full blocks and a partial one (id 2), checkpointed by a clean stop. */
async function checkpointedStreams(): Promise<string> {
  const dir = await dataDir();
  const server = await serve(dir);
  await put(server, "json", "application/json", '[{"a":1},{"b":2}]');
  await put(server, "bytes", "application/octet-stream");
  const block = (fill: string) => fill.repeat(BLOCK);
  await post(server, "bytes", block("a") + block("b") + "c".repeat(100), "application/octet-stream");
  await server.stop();
  return dir;
}

async function expectCorrupt(response: Response): Promise<void> {
  expect(response.status).toBe(500);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("DATA_CORRUPTED");
}

async function corruptions(server: Server): Promise<number> {
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^rivulet_store_corruptions_total (\d+)/m.exec(metrics)?.[1]);
}

describe("a flipped byte in a data file is never served", () => {
  test("a flipped `{` of a JSON stream: DATA_CORRUPTED, logged with file and position, counted, not ready", async () => {
    const dir = await checkpointedStreams();
    await flipByte(join(dir, "streams", "1.data"), 0);
    const server = await serve(dir);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(await corruptions(server)).toBe(0);

    await expectCorrupt(await fetch(`${server.stream("json")}?offset=-1`));
    expect(await corruptions(server)).toBe(1);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    const detail = ((await ready.json()) as { detail: string }).detail;
    expect(detail).toContain("streams/1.data");
    expect(detail).toContain("rivulet fsck");
    const logged = await server.waitForOutput(/^.*failed its checksum.*$/m);
    expect(JSON.parse(logged)).toMatchObject({ file: "streams/1.data", position: 0, stream: "/v1/stream/json" });
    // Other streams are unaffected.
    expect((await fetch(`${server.stream("bytes")}?offset=-1`)).status).toBe(200);
  });

  test("a flipped byte in a full block fails reads of that block only", async () => {
    const dir = await checkpointedStreams();
    await flipByte(join(dir, "streams", "2.data"), BLOCK + 5);
    const server = await serve(dir, ["--chunk-size", "32KiB"]);
    const first = await fetch(`${server.stream("bytes")}?offset=-1`);
    expect(first.status).toBe(200);
    expect(Buffer.from(await first.arrayBuffer()).equals(Buffer.alloc(BLOCK, "a"))).toBe(true);
    await expectCorrupt(await fetch(`${server.stream("bytes")}?offset=${first.headers.get("stream-next-offset")}`));
    await server.waitForOutput(/"file":"streams\/2.data","position":32768/);
  });

  test("a flipped byte in the last, partial block", async () => {
    const dir = await checkpointedStreams();
    await flipByte(join(dir, "streams", "2.data"), 2 * BLOCK + 50);
    const server = await serve(dir);
    await expectCorrupt(await fetch(`${server.stream("bytes")}?offset=-1`));
  });

  test("a flipped byte in a checksum file", async () => {
    const dir = await checkpointedStreams();
    await flipByte(join(dir, "streams", "2.crc"), 1);
    const server = await serve(dir);
    await expectCorrupt(await fetch(`${server.stream("bytes")}?offset=-1`));
    await server.waitForOutput(/"file":"streams\/2.crc","position":0/);
  });
});
