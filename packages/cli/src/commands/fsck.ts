/**
 * `rivulet fsck --data-dir D`: checks a data directory offline (no server may hold it) and
 * reports what is intact and what is damaged; `--repair` repairs it, copying every damaged
 * file aside first and saying exactly what was dropped. docs/storage.md has the details.
 */
import { stat } from "node:fs/promises";
import { checkDataDir, DataDirLockedError, type FsckReport, type RepairResult, repairDataDir } from "@rivulet/server";
import { Command, Option } from "commander";
import { EXIT } from "../exit-codes.js";
import { usage } from "../failure.js";
import { formatRepair, formatReport } from "./fsck-report.js";

interface FsckFlags {
  dataDir: string;
  repair?: boolean;
  json?: boolean;
}

export function fsckCommand(): Command {
  return new Command("fsck")
    .description("Check a data directory offline (and --repair it)")
    .addOption(
      new Option("--data-dir <dir>", "the data directory (as given to rivulet serve)")
        .env("RIVULET_DATA_DIR")
        .default("./data"),
    )
    .option("--repair", "repair what is damaged: damaged files are copied to <dir>/quarantine/ first")
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      `
Checks every checkpoint, log segment and data file against its checksums, and says which
streams and offset ranges are affected. The server must be stopped: fsck takes the same lock.

Exit codes: 0 clean; 6 damage found; 7 damage found and repaired (the report says what was
dropped); 5 the directory is in use by a running server; 1 bad arguments.

Examples:
  rivulet fsck --data-dir /var/lib/rivulet
  rivulet fsck --data-dir ./data --json | jq .losses
  rivulet fsck --data-dir ./data --repair     # after reading what it would drop`,
    )
    .action(async (flags: FsckFlags) => {
      process.exitCode = await fsck(flags);
    });
}

async function fsck(flags: FsckFlags): Promise<number> {
  if (!(await stat(flags.dataDir).catch(() => undefined))?.isDirectory()) {
    throw usage(`${flags.dataDir} is not a data directory`);
  }
  let report: FsckReport;
  let repair: RepairResult | undefined;
  try {
    ({ report, repair } = flags.repair
      ? await repairDataDir(flags.dataDir)
      : { report: await checkDataDir(flags.dataDir), repair: undefined });
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    process.stderr.write(`rivulet: ${error.code}: ${error.message}; stop the server before running fsck\n`);
    return EXIT.unavailable;
  }
  const code = report.clean ? EXIT.ok : repair ? EXIT.repaired : EXIT.damaged;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...report, ...(repair ? { repair } : {}) }, null, 2)}\n`);
  } else {
    process.stdout.write(formatReport(report, flags.repair === true));
    if (repair) process.stdout.write(formatRepair(repair));
  }
  return code;
}
