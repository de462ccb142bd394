/**
 * Runs Debian's nginx as a child process (never a daemon) with a generated configuration in a
 * temporary prefix directory, for `rivulet cluster up` and the tests; stopping it removes the
 * directory. nginx comes from the system (`apt-get install nginx-light`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderNginxConfig } from "./nginx-config.js";

export interface NginxProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export interface StartNginxOptions {
  /** `host:port` of each node. */
  readonly nodes: readonly string[];
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly readTimeoutSeconds?: number;
  readonly workers?: number | "auto";
}

const CANDIDATES = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"];

export function findNginx(): string | undefined {
  const fromPath = (process.env.PATH ?? "").split(":").map((dir) => join(dir, "nginx"));
  return [...fromPath, ...CANDIDATES].find((path) => existsSync(path));
}

export async function startNginx(options: StartNginxOptions): Promise<NginxProcess> {
  const binary = findNginx();
  if (!binary) throw new Error("nginx was not found: install it (Debian: apt-get install -y nginx-light)");
  const host = options.host ?? "127.0.0.1";
  const port = options.port || (await freePort(host));
  const prefix = await mkdtemp(join(tmpdir(), "rivulet-nginx-"));
  // As root, nginx's workers run as an unprivileged user: they must reach the cache and temp dirs.
  await chmod(prefix, 0o755);
  for (const dir of ["cache", "temp"]) await mkdir(join(prefix, dir), { mode: 0o777 });
  const config = renderNginxConfig({
    listen: `${host}:${port}`,
    nodes: options.nodes,
    cacheDir: join(prefix, "cache"),
    tempDir: join(prefix, "temp"),
    pidFile: join(prefix, "nginx.pid"),
    ...(options.readTimeoutSeconds === undefined ? {} : { readTimeoutSeconds: options.readTimeoutSeconds }),
    workers: options.workers ?? 1,
  });
  const file = join(prefix, "nginx.conf");
  await writeFile(file, config);
  const child = spawn(binary, ["-p", prefix, "-e", "stderr", "-c", file, "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    await rm(prefix, { recursive: true, force: true });
  };
  try {
    await listening(host, port, exited, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  const shown = host.includes(":") ? `[${host}]` : host;
  return { url: `http://${shown}:${port}`, port, child, stop };
}

/** Resolves once nginx accepts connections; rejects if it exits first (a bad config, a taken port). */
async function listening(host: string, port: number, exited: Promise<void>, stderr: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  for (;;) {
    if (gone) throw new Error(`nginx exited: ${stderr().trim()}`);
    if (await accepts(host, port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function freePort(host: string): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
