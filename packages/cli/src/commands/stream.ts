/** `rivulet stream describe <app>`: a running stream application as its instances describe it (docs/streams.md). */
import { describeStreamApp } from "@rivulet/kafka";
import { Command } from "commander";
import { addConnectionOptions, type ConnectionFlags } from "../connection.js";
import { kafkaClient } from "../kafka-client.js";
import { writeLine } from "../output/stdout.js";
import { streamDetails } from "../stream/format.js";

function describeCommand(): Command {
  const command = new Command("describe")
    .description(
      "Show a stream application: topology, instances with owned partitions and store sizes, lag (exit 2 if none)",
    )
    .argument("<app>", "the application id (its consumer group)")
    .option("--json", "print it as JSON");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Each instance rewrites its description in the compacted topic <app>-describe on
every assignment change and every 5 s; only current group members are shown.
LAG is in records per source and repartition partition ("-" before its first commit).

Examples:
  rivulet stream describe orders-by-customer
  rivulet stream describe orders-by-customer --json | jq '.instances[].partitions'`,
    )
    .action(async (app: string, flags: ConnectionFlags & { json?: boolean }) => {
      const described = await describeStreamApp(kafkaClient(flags), app);
      await writeLine(flags.json ? JSON.stringify(described, null, 2) : streamDetails(app, described));
    });
}

export function streamCommand(): Command {
  return new Command("stream")
    .description("Inspect stream processing applications (kafka.stream in @rivulet/kafka)")
    .addCommand(describeCommand());
}
