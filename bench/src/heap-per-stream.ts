/**
 * What an idle stream costs the Rivulet server's heap, by kind of object: the server is asked
 * for a heap snapshot (SIGUSR2) after a warm-up and again after `count` empty JSON streams are
 * created over HTTP; the difference per stream is listed by constructor, and the most common
 * new plain-object shapes by their property names. Scenario 5's RSS per stream says how much;
 * this says what, so a change to per-stream state starts from data.
 *
 * The second snapshot is taken `idle` seconds after the last create (default 3): the engine
 * drops streams unused for one to two seconds from memory, and an idle stream is one left alone.
 *
 * It also prints the growth of the server's RSS per stream, read from /proc just before each
 * snapshot as scenario 5 reads it. A heap snapshot allocates a lot itself, so with `rss` as the
 * third argument no snapshot is taken and only the RSS figure is printed: the same measurement
 * as scenario 5's, with this script's stream count and idle time.
 *
 *   npx tsx bench/src/heap-per-stream.ts [count] [idle] [rss]   (default 20,000 and 3; needs `npm run build`)
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rssBytes } from "@rivulet/load";
import { track } from "./core/children.js";
import { REPO_ROOT } from "./core/repo-root.js";
import { runJob } from "./load/run-job.js";
import { STREAM_BASE } from "./scenarios/context.js";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Tally {
  /** Self bytes and object count by "type:constructor". */
  readonly kinds: Map<string, { bytes: number; count: number }>;
  /** Plain objects and arrays by their first property names. */
  readonly shapes: Map<string, number>;
}

const count = Number(process.argv[2] ?? 20_000);
const idleSeconds = Number(process.argv[3] ?? 3);
const rssOnly = process.argv[4] === "rss";
const dataDir = await mkdtemp(join(tmpdir(), "rivulet-heap-data-"));
const snapshotDir = await mkdtemp(join(tmpdir(), "rivulet-heap-snapshots-"));
const child = track(
  spawn(
    process.execPath,
    [
      "--heapsnapshot-signal=SIGUSR2",
      join(REPO_ROOT, "packages/cli/bin/rivulet.js"),
      "serve",
      "--port",
      "0",
      "--log-level",
      "warn",
      "--data-dir",
      dataDir,
    ],
    // Snapshots are written to the working directory.
    { cwd: snapshotDir, stdio: ["ignore", "pipe", "pipe"] },
  ),
);

try {
  const origin = await listening();
  await create(origin, "warm-", 200);
  // As scenario 5: a moment for the warm-up's commits and buffers to settle.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const rssBefore = await rssBytes(child.pid!);
  const before = rssOnly ? undefined : tally(await snapshot(1));
  const started = performance.now();
  await create(origin, "idle-", count);
  const rate = count / ((performance.now() - started) / 1000);
  await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
  const rssGrowth = (await rssBytes(child.pid!)) - rssBefore;
  if (before) console.log(report(before, tally(await snapshot(2))));
  console.log(
    `RSS growth per idle stream: ${(rssGrowth / count).toFixed(0)} B (${count} streams, ${rate.toFixed(0)} creates/s${rssOnly ? "" : ", after a heap snapshot"})`,
  );
} finally {
  child.kill("SIGKILL");
  await rm(dataDir, { recursive: true, force: true });
  await rm(snapshotDir, { recursive: true, force: true });
}

function listening(): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (data: Buffer) => {
      output += data;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening: ${output}`)));
  });
}

async function create(origin: string, prefix: string, streams: number): Promise<void> {
  await runJob(
    "createStreams",
    {
      origin,
      prefix: `${STREAM_BASE}${prefix}`,
      first: 0,
      count: streams,
      contentType: "application/json",
      connections: 64,
      timeoutMs: 600_000,
    },
    660_000,
  );
}

/** Asks for snapshot number `n` and waits until it is completely written (it parses). */
async function snapshot(n: number): Promise<Snapshot> {
  child.kill("SIGUSR2");
  for (let lastSize = -1; ; await new Promise((resolve) => setTimeout(resolve, 1000))) {
    const files = (await readdir(snapshotDir)).filter((name) => name.endsWith(".heapsnapshot")).sort();
    if (files.length < n) continue;
    const path = join(snapshotDir, files[n - 1]!);
    const { size } = await stat(path);
    if (size === 0 || size !== lastSize) {
      lastSize = size;
      continue;
    }
    try {
      return JSON.parse(await readFile(path, "utf8")) as Snapshot;
    } catch {
      // still being written
    }
  }
}

function tally(heap: Snapshot): Tally {
  const meta = heap.snapshot.meta;
  const width = meta.node_fields.length;
  const [type, name, selfSize, edgeCount] = ["type", "name", "self_size", "edge_count"].map((f) =>
    meta.node_fields.indexOf(f),
  ) as [number, number, number, number];
  const edgeWidth = meta.edge_fields.length;
  const edgeType = meta.edge_fields.indexOf("type");
  const edgeName = meta.edge_fields.indexOf("name_or_index");
  const kinds = new Map<string, { bytes: number; count: number }>();
  const shapes = new Map<string, number>();
  let edge = 0;
  for (let i = 0; i < heap.nodes.length; i += width) {
    const kind = meta.node_types[0][heap.nodes[i + type]!]!;
    const className = heap.strings[heap.nodes[i + name]!]!;
    const key = kind === "object" || kind === "closure" ? `${kind}:${className}` : kind;
    const entry = kinds.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += heap.nodes[i + selfSize]!;
    entry.count++;
    kinds.set(key, entry);
    const edges = heap.nodes[i + edgeCount]!;
    if (kind === "object" && (className === "Object" || className === "Array")) {
      const props: string[] = [];
      for (let j = edge; j < edge + edges && props.length < 8; j++) {
        if (meta.edge_types[0][heap.edges[j * edgeWidth + edgeType]!] === "property") {
          props.push(heap.strings[heap.edges[j * edgeWidth + edgeName]!]!);
        }
      }
      const shape = `${className} {${props.join(", ")}}`;
      shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
    }
    edge += edges;
  }
  return { kinds, shapes };
}

function report(before: Tally, after: Tally): string {
  const rows = [...after.kinds].map(([key, { bytes, count: objects }]) => {
    const old = before.kinds.get(key) ?? { bytes: 0, count: 0 };
    return { key, bytes: (bytes - old.bytes) / count, objects: (objects - old.count) / count };
  });
  const total = rows.reduce((n, row) => n + row.bytes, 0);
  rows.sort((a, b) => b.bytes - a.bytes);
  const lines = [
    `heap bytes per idle stream: ${total.toFixed(0)} (${count} streams)`,
    "",
    "| bytes per stream | objects per stream | kind |",
    "| ---: | ---: | --- |",
    ...rows.slice(0, 12).map((row) => `| ${row.bytes.toFixed(1)} | ${row.objects.toFixed(2)} | ${row.key} |`),
    "",
    "| new per stream | plain object shape |",
    "| ---: | --- |",
    ...[...after.shapes]
      .map(([shape, n]) => [shape, (n - (before.shapes.get(shape) ?? 0)) / count] as const)
      .filter(([, n]) => n >= 0.05)
      .sort((a, b) => b[1] - a[1])
      .map(([shape, n]) => `| ${n.toFixed(2)} | ${shape} |`),
  ];
  return lines.join("\n");
}
