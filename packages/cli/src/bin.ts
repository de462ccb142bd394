import { runCli } from "./cli.js";

// process.exitCode, not process.exit(): stdout may still be draining into a pipe.
process.exitCode = await runCli(process.argv);
