/**
 * Scenario 3's catch-up read, Rivulet and the trivial server side by side, request by request:
 * request i of one, then request i of the other (the order swapping each time), so a load that
 * comes and goes on a shared machine weighs on both alike. Prints, per content, the MB/s and the
 * median time per 1 MiB request of each and their ratios; with `--profile` also where each
 * server's CPU went during those reads (the fills left out).
 *
 *   npx tsx bench/src/catch-up-versus-trivial.ts [passes] [--profile]
 *
 * Profiles and summaries go to bench/results/tmp/profiles/catch-up-versus-trivial/ (not committed).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fillStream } from "@rivulet/load";
import { Pool } from "undici";
import { killAll } from "./core/children.js";
import { REPO_ROOT } from "./core/repo-root.js";
import { formatSummary, summariseProfile } from "./profile/cpu-profile-summary.js";
import { STREAM_BASE } from "./scenarios/context.js";
import { launchServer } from "./servers/launch.js";

const STREAM_BYTES = 100e6;
const passes = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 3);
const profile = process.argv.includes("--profile");
const outDir = join(REPO_ROOT, "bench/results/tmp/profiles/catch-up-versus-trivial");

const micros = () => Number(process.hrtime.bigint() / 1000n);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

await rm(outDir, { recursive: true, force: true });
const dataDir = await mkdtemp(join(tmpdir(), "rivulet-versus-trivial-"));
try {
  const servers = {
    rivulet: await launchServer("rivulet", { dataDir, ...(profile ? { cpuProfileDir: join(outDir, "rivulet") } : {}) }),
    trivial: await launchServer("trivial", profile ? { cpuProfileDir: join(outDir, "trivial") } : {}),
  };
  const names = ["rivulet", "trivial"] as const;
  const phases: Array<{ content: string; from: number; to: number }> = [];
  for (const json of [false, true]) {
    const content = json ? "JSON" : "bytes";
    const path = `${STREAM_BASE}versus-${content.toLowerCase()}`;
    for (const name of names) {
      const { url: origin } = servers[name];
      const fill = { origin, path, json, totalBytes: STREAM_BYTES, requestBytes: 1 << 20, messageBytes: 200 };
      await fillStream({ ...fill, timeoutMs: 300_000 });
    }
    const pools = {
      rivulet: new Pool(servers.rivulet.url, { connections: 1 }),
      trivial: new Pool(servers.trivial.url, { connections: 1 }),
    };
    const ms = { rivulet: [] as number[], trivial: [] as number[] };
    const bytes = { rivulet: 0, trivial: 0 };
    const from = micros();
    for (let pass = 0; pass < passes; pass++) {
      const offset = { rivulet: "-1", trivial: "-1" };
      const done = { rivulet: false, trivial: false };
      for (let i = 0; !done.rivulet || !done.trivial; i++) {
        for (const name of (i + pass) % 2 === 0 ? names : ([...names].reverse() as (typeof names)[number][])) {
          if (done[name]) continue;
          const started = performance.now();
          const answer = await pools[name].request({
            method: "GET",
            path: `${path}?offset=${offset[name]}`,
          });
          for await (const chunk of answer.body) bytes[name] += (chunk as Buffer).length;
          ms[name].push(performance.now() - started);
          if (answer.statusCode !== 200) throw new Error(`${name} answered ${answer.statusCode}`);
          done[name] = answer.headers["stream-up-to-date"] === "true";
          offset[name] = String(answer.headers["stream-next-offset"]);
        }
      }
    }
    phases.push({ content, from, to: micros() });
    await Promise.all(names.map((name) => pools[name].close()));
    const rate = (name: (typeof names)[number]) => bytes[name] / 1e6 / (ms[name].reduce((a, b) => a + b, 0) / 1000);
    console.log(
      `${content}: Rivulet ${rate("rivulet").toFixed(0)} MB/s (median ${median(ms.rivulet).toFixed(2)} ms per request), ` +
        `trivial ${rate("trivial").toFixed(0)} MB/s (median ${median(ms.trivial).toFixed(2)} ms); ` +
        `× trivial ${(rate("rivulet") / rate("trivial")).toFixed(2)} (by median time ${(median(ms.trivial) / median(ms.rivulet)).toFixed(2)})`,
    );
  }
  await Promise.all(names.map((name) => servers[name].stop()));
  if (profile) await summarise(phases);
} finally {
  killAll();
  await rm(dataDir, { recursive: true, force: true });
}

/** One summary per server and content, of the samples taken while that content was read. */
async function summarise(phases: ReadonlyArray<{ content: string; from: number; to: number }>): Promise<void> {
  let report = "";
  for (const name of ["rivulet", "trivial"]) {
    const dir = join(outDir, name);
    const file = join(dir, (await readdir(dir)).find((f) => f.endsWith(".cpuprofile"))!);
    const whole = JSON.parse(await readFile(file, "utf8"));
    for (const { content, from, to } of phases) {
      // The samples of this phase only, as a profile of their own.
      let at = whole.startTime;
      const samples: number[] = [];
      const timeDeltas: number[] = [];
      whole.samples.forEach((id: number, i: number) => {
        at += whole.timeDeltas[i];
        if (at >= from && at < to) {
          samples.push(id);
          timeDeltas.push(whole.timeDeltas[i]);
        }
      });
      const part = join(dir, `${content}.cpuprofile`);
      await writeFile(part, JSON.stringify({ ...whole, samples, timeDeltas }));
      report += `${formatSummary(`${name}, ${content} reads`, await summariseProfile(part, 15))}\n`;
    }
  }
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, "summary.md"), report);
  console.log(report);
}
