/**
 * Graceful shutdown of the real `rivulet serve` process on SIGTERM: waiting long-polls get
 * 204, SSE sessions end cleanly, appends in flight finish and are durable, and the process
 * exits well within 10 s.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { liveReadsOpen } from "../support/live-readers.js";
import { spawnServer } from "../support/spawn-server.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

test("SIGTERM answers live readers, finishes in-flight appends, and exits cleanly", async () => {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-shutdown-"));
  dirs.push(dir);
  const server = await spawnServer(["--data-dir", dir, "--long-poll-timeout", "30s"]);
  const url = `${server.url}/v1/stream/shutdown`;
  expect((await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } })).status).toBe(201);
  const tail = (await fetch(`${url}?offset=now`)).headers.get("stream-next-offset")!;

  const poll = fetch(`${url}?offset=${tail}&live=long-poll`);
  const sse = await fetch(`${url}?offset=${tail}&live=sse`);
  const sseBody = sse.text();
  await liveReadsOpen(server.url, "long-poll");
  await liveReadsOpen(server.url, "sse");

  // A burst of appends, then SIGTERM while they are in flight.
  const appends = Array.from({ length: 50 }, (_, i) =>
    fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: `${i};` }).then(
      (res) => res.status,
      () => "no response",
    ),
  );
  const stoppedAt = Date.now();
  server.child.kill("SIGTERM");

  const pollResult = await poll;
  // Woken either by an append that landed first (200) or by the shutdown (204): never left hanging.
  expect([200, 204]).toContain(pollResult.status);
  expect(await sseBody).toContain("event: control");
  expect(await server.exited).toBe(0);
  expect(Date.now() - stoppedAt).toBeLessThan(10_000);

  const statuses = await Promise.all(appends);
  const acknowledged = statuses.flatMap((status, i) => (status === 204 ? [i] : []));
  const restarted = await spawnServer(["--data-dir", dir]);
  try {
    const body = await (await fetch(`${restarted.url}/v1/stream/shutdown?offset=-1`)).text();
    const present = new Set(body.split(";").filter(Boolean).map(Number));
    for (const i of acknowledged) expect(present.has(i), `acknowledged append ${i} lost`).toBe(true);
  } finally {
    restarted.child.kill("SIGKILL");
    await restarted.exited;
  }
});

test("a long-poll waiting with no appends is answered 204 at shutdown, not cut off", async () => {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-shutdown-"));
  dirs.push(dir);
  const server = await spawnServer(["--data-dir", dir, "--long-poll-timeout", "30s"]);
  const url = `${server.url}/v1/stream/idle`;
  await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
  const poll = fetch(`${url}?offset=now&live=long-poll`);
  await liveReadsOpen(server.url, "long-poll");
  server.child.kill("SIGTERM");
  const res = await poll;
  expect(res.status).toBe(204);
  expect(res.headers.get("stream-up-to-date")).toBe("true");
  expect(await server.exited).toBe(0);
});
