/**
 * CPU profiles of `@rivulet/kafka`'s producer in scenario 2's shape (sdk-produce-windows.ts)
 * and of the server it writes to, at once: the server (`rivulet serve`, file store, fsync)
 * under `--cpu-prof`, the producer in a child process of this script under `--cpu-prof`.
 * Prints the records per second, the producer's CPU per record and both summaries.
 *
 *   npx tsx bench/src/profile/sdk-producer.ts [seconds]
 *
 * Writes the .cpuprofile files and summary.md to bench/results/tmp/profiles/sdk-producer/
 * (not committed).
 */
import { fork } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { killAll } from "../core/children.js";
import { REPO_ROOT } from "../core/repo-root.js";
import { sdkProduceWindows } from "../load/sdk-produce-windows.js";
import { launchServer } from "../servers/launch.js";
import { settingsFor } from "../settings.js";
import { formatSummary, summariseProfile } from "./cpu-profile-summary.js";

const PARTITIONS = 12;
const TOPIC = "profiled";

interface ChildResult {
  readonly records: number;
  readonly seconds: number;
  readonly cpuUs: number;
}

if (process.argv[2] === "--child") {
  // In the profiled child: produce, and report records and CPU used.
  const [origin, seconds] = [process.argv[3]!, Number(process.argv[4])];
  const sizes = settingsFor("quick").producer;
  const before = process.cpuUsage();
  const result = await sdkProduceWindows({
    origin,
    topic: TOPIC,
    messageBytes: sizes.messageBytes,
    keys: 100_000,
    seconds,
    maxMessages: Number.MAX_SAFE_INTEGER,
    windowMessages: sizes.windowMessages,
  });
  const used = process.cpuUsage(before);
  const reply: ChildResult = { records: result.records, seconds: result.seconds, cpuUs: used.user + used.system };
  process.send!(reply, () => process.exit(0));
} else {
  const seconds = Number(process.argv[2] ?? 5);
  const outDir = join(REPO_ROOT, "bench/results/tmp/profiles/sdk-producer");
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, "server"), { recursive: true });
  const dataDir = await mkdtemp(join(tmpdir(), "rivulet-profile-"));
  try {
    const server = await launchServer("rivulet", { dataDir, cpuProfileDir: join(outDir, "server") });
    let result: ChildResult;
    try {
      const created = await fetch(`${server.url}/v1/stream/__ds/topics/${TOPIC}`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ partitions: PARTITIONS }),
      });
      if (created.status !== 201) throw new Error(`creating the topic: ${created.status}`);
      result = await runChild(server.url, seconds, join(outDir, "producer"));
    } finally {
      await server.stop(); // the profile is written when the process exits
    }
    const perRecordUs = result.cpuUs / result.records;
    let report = `records/s ${Math.round(result.records / result.seconds)}, producer CPU ${perRecordUs.toFixed(2)} µs per record\n\n`;
    for (const side of ["producer", "server"]) {
      for (const file of (await readdir(join(outDir, side))).filter((f) => f.endsWith(".cpuprofile"))) {
        report += formatSummary(`${side}: ${file}`, await summariseProfile(join(outDir, side, file)));
      }
    }
    await writeFile(join(outDir, "summary.md"), report);
    console.log(report);
  } finally {
    killAll();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function runChild(origin: string, seconds: number, profileDir: string): Promise<ChildResult> {
  const child = fork(fileURLToPath(import.meta.url), ["--child", origin, String(seconds)], {
    cwd: REPO_ROOT,
    execArgv: ["--cpu-prof", "--cpu-prof-dir", profileDir, "--import", "tsx"],
  });
  return new Promise((resolve, reject) => {
    let reply: ChildResult | undefined;
    child.once("message", (message) => {
      reply = message as ChildResult;
    });
    child.once("error", reject);
    child.once("exit", (code) => (reply ? resolve(reply) : reject(new Error(`the producer exited with ${code}`))));
  });
}
