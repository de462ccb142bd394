/**
 * `rivulet migrate --store postgres://…`: applies the schema migrations a PostgreSQL database
 * lacks and says which (nothing when it is current). Safe to run while nodes serve and from
 * several places at once: runs take turns on an advisory lock. A schema newer than this
 * release is refused and left alone.
 */
import { migrateDatabase, SchemaTooNewError, StoreUnavailableError } from "@rivulet/server";
import { Command, Option } from "commander";
import { EXIT } from "../exit-codes.js";
import { usage } from "../failure.js";
import { isPostgresUrl } from "../store-choice.js";

export function migrateCommand(): Command {
  return new Command("migrate")
    .description("Apply the PostgreSQL store's schema migrations")
    .addOption(new Option("--store <url>", "the PostgreSQL database, as given to rivulet serve").env("RIVULET_STORE"))
    .addHelpText(
      "after",
      `
rivulet serve --store postgres://… applies migrations itself at start (unless --no-migrate);
this command applies them ahead of a rollout, or where nodes run with --no-migrate.

Exit codes: 0 the schema is current (the applied versions are printed); 5 the database
cannot be reached, or its schema is newer than this release; 1 bad arguments.

Examples:
  rivulet migrate --store postgres://rivulet:secret@db:5432/rivulet
  RIVULET_STORE=postgres://rivulet@db/rivulet rivulet migrate`,
    )
    .action(async (flags: { store?: string }) => {
      process.exitCode = await run(flags.store);
    });
}

async function run(store: string | undefined): Promise<number> {
  if (store === undefined || !isPostgresUrl(store)) {
    throw usage("--store must name a PostgreSQL database (postgres://user:password@host:port/database)");
  }
  try {
    const report = await migrateDatabase(store);
    for (const migration of report.applied) {
      process.stdout.write(`applied ${String(migration.version).padStart(4, "0")} ${migration.name}\n`);
    }
    process.stdout.write(
      report.applied.length === 0
        ? `schema is current at version ${report.version}\n`
        : `schema is now at version ${report.version}\n`,
    );
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof SchemaTooNewError) && !(error instanceof StoreUnavailableError)) throw error;
    process.stderr.write(`rivulet: ${error.code}: ${error.message}\n`);
    return EXIT.unavailable;
  }
}
