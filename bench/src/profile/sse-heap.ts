/**
 * Scenario 6's heap view: N raw SSE subscribers on one stream of an in-process server (Rivulet
 * on the memory store, or with `trivial` a bare node:http event stream), one append delivered
 * to all, then a heap snapshot; prints what each subscriber added, by object kind (closures and
 * objects by constructor name). Client sockets live in the same process, so compare the two
 * servers' tables rather than reading either alone.
 *
 *   node --expose-gc --import tsx bench/src/profile/sse-heap.ts [subscribers] snap [trivial]
 *   (STRINGS=1 splits strings by their first characters)
 */

import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { MemoryStore, startServer } from "@rivulet/server";

const N = Number(process.argv[2] ?? 2000);
const snap = process.argv[3] === "snap";

import { createServer } from "node:http";

const trivial = process.argv[4] === "trivial";
const readers = new Set<import("node:http").ServerResponse>();
const server = trivial
  ? await new Promise<{ url: string; close(): Promise<void> }>((resolve) => {
      const srv = createServer((req, res) => {
        if (req.method === "GET") {
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.write("event: control\n\n");
          readers.add(res);
          res.once("close", () => readers.delete(res));
        } else {
          const chunks: Buffer[] = [];
          req.on("data", (c) => chunks.push(c));
          req.once("end", () => {
            const ev = `event: data\ndata:${Buffer.concat(chunks).toString("latin1")}\n\n`;
            for (const r of readers) r.write(ev);
            res.writeHead(204);
            res.end();
          });
        }
      });
      srv.listen(0, "127.0.0.1", () => {
        const a = srv.address() as { port: number };
        resolve({
          url: `http://127.0.0.1:${a.port}`,
          close: () =>
            new Promise((r) => {
              srv.closeAllConnections();
              srv.close(() => r());
            }),
        });
      });
    })
  : await startServer({ port: 0, store: new MemoryStore() });
const url = new URL(server.url);
const path = "/v1/stream/heap-probe";
await fetch(`${server.url}${path}`, { method: "PUT", headers: { "content-type": "application/json" } });
await fetch(`${server.url}${path}`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: '{"a":0}',
});
const gc = (globalThis as { gc?: () => void }).gc!;
function counts(): Map<string, [number, number]> {
  const file = writeHeapSnapshot(join(tmpdir(), `sse-heap-${process.pid}.heapsnapshot`));
  const s = JSON.parse(readFileSync(file, "utf8"));
  const f = s.snapshot.meta.node_fields as string[];
  const types = s.snapshot.meta.node_types[0] as string[];
  const w = f.length,
    ti = f.indexOf("type"),
    ni = f.indexOf("name"),
    si = f.indexOf("self_size");
  const m = new Map<string, [number, number]>();
  for (let i = 0; i < s.nodes.length; i += w) {
    const type = types[s.nodes[i + ti]] ?? "?";
    let name = type === "object" || type === "closure" ? `${type}:${s.strings[s.nodes[i + ni]]}` : type;
    if (process.env.STRINGS && (type === "string" || type === "concatenated string" || type === "sliced string"))
      name = `${type}:${String(s.strings[s.nodes[i + ni]])
        .slice(0, 24)
        .replace(/[0-9a-f]/g, "#")
        .replace(/\s/g, "_")}`;
    const e = m.get(name) ?? [0, 0];
    e[0]++;
    e[1] += s.nodes[i + si];
    m.set(name, e);
  }
  return m;
}
gc();
gc();
const before = snap ? counts() : undefined;
const heap0 = process.memoryUsage().heapUsed;
const sockets: Socket[] = [];
let got = 0;
for (let b = 0; b < N; b += 100) {
  await new Promise<void>((resolve) => {
    for (let i = b; i < Math.min(N, b + 100); i++) {
      const s = connect({ host: url.hostname, port: Number(url.port) }, () => {
        s.write(`GET ${path}?offset=now&live=sse HTTP/1.1\r\nHost: x\r\n\r\n`);
      });
      s.on("error", (e) => console.log("socket error", e.message));
      let seen = false;
      s.on("data", (d) => {
        if (!seen && d.toString().includes("control")) {
          seen = true;
          if (++got === Math.min(N, b + 100)) resolve();
        }
      });
      sockets.push(s);
    }
  });
}
// one append delivered to all, then settle
let got2 = 0;
for (const s of sockets)
  s.on("data", (d) => {
    if (d.toString().includes('"a":1')) got2++;
  });
await fetch(`${server.url}${path}`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: '{"a":1}',
});
while (got2 < N) await new Promise((r) => setTimeout(r, 20));
gc();
gc();
const heap1 = process.memoryUsage().heapUsed;
console.log(
  `subscribers ${N}: heap per subscriber (server+client sockets in one process) ${((heap1 - heap0) / N).toFixed(0)} B`,
);
if (before) {
  const after = counts();
  const rows = [...after]
    .map(([k, [c, b]]) => {
      const [c0, b0] = before.get(k) ?? [0, 0];
      return [k, (c - c0) / N, (b - b0) / N] as const;
    })
    .filter((r) => Math.abs(r[2]) >= 8)
    .sort((a, b) => b[2] - a[2])
    .slice(0, 40);
  for (const [k, c, b] of rows) console.log(`${b.toFixed(0).padStart(6)} B ${c.toFixed(2).padStart(6)} objs  ${k}`);
}
for (const s of sockets) s.destroy();
await server.close();
process.exit(0);
