/**
 * The schema migration runner. Applied versions are rows of `rivulet_schema_migrations`; each
 * pending migration runs in its own transaction with its row, so a failed one leaves the
 * database at the version before it. The whole run holds a session advisory lock: nodes that
 * start together take turns, and the later ones find nothing left to do.
 */
import pg from "pg";
import { storeFault } from "./faults.js";
import { MIGRATIONS, type Migration } from "./migrations/index.js";

/** Advisory lock key of migration runs ("rivu" in ASCII). */
const MIGRATION_LOCK = 0x72697675;

/**
 * A connection the runner can send statements on: a pg Client or PoolClient (stated here so
 * the runner's public types do not depend on the driver's).
 */
export interface SqlClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** What a run did: the versions it applied (none when already current) and the version now. */
export interface MigrationReport {
  readonly applied: readonly Migration[];
  readonly version: number;
}

/** The database's schema is from a newer release than this one: it is left alone. */
export class SchemaTooNewError extends Error {
  readonly code = "SCHEMA_TOO_NEW";

  constructor(
    readonly version: number,
    readonly supported: number,
  ) {
    super(
      `the database schema is at version ${version}, newer than this release supports (${supported}): ` +
        "upgrade rivulet before running it against this database",
    );
    this.name = "SchemaTooNewError";
  }
}

/** The database lacks migrations this release needs (opened without applying them). */
export class SchemaOutdatedError extends Error {
  readonly code = "SCHEMA_OUTDATED";

  constructor(
    readonly version: number,
    readonly needed: number,
  ) {
    super(
      `the database schema is at version ${version}, this release needs ${needed}: ` +
        "run `rivulet migrate --store postgres://…` (or serve without --no-migrate)",
    );
    this.name = "SchemaOutdatedError";
  }
}

export const LATEST_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/** Applies every migration the database lacks; refuses a database whose schema is newer. */
export async function migrate(
  client: SqlClient,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationReport> {
  const latest = Math.max(0, ...migrations.map((m) => m.version));
  await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS rivulet_schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const current = await appliedVersion(client);
    if (current > latest) throw new SchemaTooNewError(current, latest);
    const applied: Migration[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue;
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query("INSERT INTO rivulet_schema_migrations (version, name) VALUES ($1, $2)", [
          migration.version,
          migration.name,
        ]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
      applied.push(migration);
    }
    return { applied, version: Math.max(current, latest) };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
  }
}

/** Connects to the database at `url`, migrates it, and disconnects (`rivulet migrate`). */
export async function migrateDatabase(url: string, connectTimeoutMs = 5000): Promise<MigrationReport> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  try {
    await client.connect();
    return await migrate(client);
  } catch (error) {
    throw storeFault(error, "apply the schema migrations");
  } finally {
    await client.end().catch(() => {});
  }
}

/** The version the database is at: 0 for a database no run has touched. */
export async function schemaVersion(client: SqlClient): Promise<number> {
  const { rows } = (await client.query("SELECT to_regclass('rivulet_schema_migrations')::text AS found")) as {
    rows: Array<{ found: string | null }>;
  };
  if (rows[0]?.found == null) return 0;
  return appliedVersion(client);
}

/** Refuses a database that is not at exactly the version this release was built for. */
export async function checkSchema(client: SqlClient, latest = LATEST_VERSION): Promise<void> {
  const version = await schemaVersion(client);
  if (version > latest) throw new SchemaTooNewError(version, latest);
  if (version < latest) throw new SchemaOutdatedError(version, latest);
}

async function appliedVersion(client: SqlClient): Promise<number> {
  const { rows } = (await client.query("SELECT max(version) AS version FROM rivulet_schema_migrations")) as {
    rows: Array<{ version: number | null }>;
  };
  return rows[0]?.version ?? 0;
}
