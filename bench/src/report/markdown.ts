/** A report's markdown (latest.md, subscriptions.md): machine, servers, the verdict summary, then a section per scenario. */
import type { ScenarioResult, Table } from "../core/types.js";
import { SERVER_KINDS } from "../servers/server-kinds.js";
import type { Machine } from "./machine.js";
import type { ReportFile } from "./reports.js";

export interface RunInfo {
  readonly startedAt: string;
  readonly minutes: number;
  readonly quick: boolean;
  readonly command: string;
  readonly chartFile: string | undefined;
}

export function renderMarkdown(
  report: ReportFile,
  machine: Machine,
  run: RunInfo,
  scenarios: readonly ScenarioResult[],
): string {
  const lines: string[] = [];
  lines.push(`# ${report.title}`, "");
  lines.push(
    `Taken ${run.startedAt} with \`${run.command}\`${run.quick ? " (**quick mode**: reduced sizes, one run each; not figures to quote)" : ""}, in ${run.minutes.toFixed(1)} minutes.`,
    "",
  );
  for (const line of report.seeAlso) lines.push(line, "");
  lines.push("## Machine", "");
  lines.push(`- CPU: ${machine.cpuModel}, ${machine.vcpus} vCPUs`);
  lines.push(`- Memory: ${machine.memoryGiB} GiB; ${machine.kernel}; Node.js ${machine.node}`);
  lines.push(`- Data directories: ${machine.dataFilesystem}; open-file limit ${machine.fileDescriptorLimit}`);
  lines.push(`- Load average (1, 5, 15 min) when the run ended: ${machine.loadAverage}`);
  lines.push(
    "- Every server runs in its own process, and so does the load generator (one process at a time, undici pools or raw sockets, loopback only). **The generator shares the machine's vCPUs with the server under test**, so every figure here is a lower bound for the server alone.",
    "",
  );
  lines.push("## Servers and durability", "");
  lines.push(
    ...tableLines({
      title: "",
      columns: ["server", "what an acknowledged write means"],
      rows: report.servers.map((id) => [SERVER_KINDS[id].label, SERVER_KINDS[id].durability]),
    }),
  );
  lines.push("", report.about, "");
  lines.push("## Targets", "");
  const verdictRows = scenarios.flatMap((s) =>
    s.verdicts.map((v) => [s.title.split(".")[0]!, v.target, v.measured, verdictText(v.pass)]),
  );
  lines.push(
    ...tableLines({ title: "", columns: ["scenario", "target", "measured (median)", "result"], rows: verdictRows }),
    "",
  );
  for (const scenario of scenarios) {
    lines.push(`## ${scenario.title}`, "");
    for (const table of scenario.tables) lines.push(...tableLines(table), "");
    if (scenario.id === "s4" && run.chartFile) {
      lines.push(`![Fan-out delivery latency by percentile](${run.chartFile})`, "");
    }
    for (const note of scenario.notes) lines.push(`- ${note}`);
    const load = scenario.machineLoad;
    const loadText =
      load && Number.isFinite(load.mean)
        ? `; 1-minute load average meanwhile: mean ${load.mean.toFixed(1)}, max ${load.max.toFixed(1)} (the benchmark itself accounts for about 2)`
        : "";
    lines.push("", `_Scenario time: ${scenario.seconds.toFixed(0)} s${loadText}._`, "");
  }
  return `${lines.join("\n")}\n`;
}

function tableLines(table: Table): string[] {
  const out: string[] = [];
  if (table.title) out.push(`### ${table.title}`, "");
  out.push(`| ${table.columns.join(" | ")} |`);
  out.push(`| ${table.columns.map(() => "---").join(" | ")} |`);
  for (const row of table.rows) out.push(`| ${row.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`);
  if (table.notes) for (const note of table.notes) out.push("", `_${note}_`);
  return out;
}

function verdictText(pass: boolean | null): string {
  if (pass === null) return "not measured";
  return pass ? "**PASS**" : "**MISS**";
}
