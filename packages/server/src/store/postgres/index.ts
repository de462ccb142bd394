export { isTransient } from "./faults.js";
export {
  LATEST_VERSION,
  type MigrationReport,
  migrate,
  migrateDatabase,
  SchemaOutdatedError,
  SchemaTooNewError,
  schemaVersion,
} from "./migrate.js";
export { MIGRATIONS, type Migration } from "./migrations/index.js";
export { DEFAULT_PG_UNIT_BYTES, PostgresStore, type PostgresStoreOptions, redact } from "./postgres-store.js";
