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
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { killAll } from "../core/children.js";
import { REPO_ROOT } from "../core/repo-root.js";
import { sdkProduceWindows } from "../load/sdk-produce-windows.js";
import { launchServer } from "../servers/launch.js";
import { settingsFor } from "../settings.js";
import {
  type ChildResult,
  createProfiledTopic,
  PROFILED_TOPIC,
  runProfiledChild,
  writeSummary,
} from "./profiled-sdk-run.js";

if (process.argv[2] === "--child") {
  // In the profiled child: produce, and report records and CPU used.
  const [origin, seconds] = [process.argv[3]!, Number(process.argv[4])];
  const sizes = settingsFor("quick").producer;
  const before = process.cpuUsage();
  const result = await sdkProduceWindows({
    origin,
    topic: PROFILED_TOPIC,
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
      await createProfiledTopic(server.url);
      const script = fileURLToPath(import.meta.url);
      result = await runProfiledChild(script, [server.url, String(seconds)], join(outDir, "producer"), "producer");
    } finally {
      await server.stop(); // the profile is written when the process exits
    }
    const perRecordUs = result.cpuUs / result.records;
    await writeSummary(
      outDir,
      ["producer", "server"],
      `records/s ${Math.round(result.records / result.seconds)}, producer CPU ${perRecordUs.toFixed(2)} µs per record`,
    );
  } finally {
    killAll();
    await rm(dataDir, { recursive: true, force: true });
  }
}
