import { runCli } from "./cli.js";

runCli(process.argv).catch((error: unknown) => {
  console.error(`rivulet: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
