/** The text form of a `rivulet fsck` report: what is intact, what is damaged, what a repair drops. */
import type { FsckReport, Loss, RepairResult } from "@rivulet/server";

export function formatReport(report: FsckReport, repairing: boolean): string {
  const lines = [`rivulet fsck ${report.dir}`, "", "checkpoints:"];
  if (report.checkpoints.length === 0) lines.push("  (none)");
  for (const c of report.checkpoints) {
    const facts = c.status === "intact" ? `boundary ${c.segment}, ${c.streams} streams` : c.reason;
    lines.push(`  ${label(c.status)} ${c.file}  ${facts}`);
  }
  lines.push("log segments:");
  if (report.segments.length === 0) lines.push("  (none)");
  for (const s of report.segments) {
    const damage = s.damage
      ? `; at byte ${s.damage.offset}: ${s.damage.recordsAfter} intact records in ${s.damage.batchesAfter} batches follow`
      : "";
    lines.push(`  ${label(s.status)} ${s.file}  format ${s.format}, ${s.records} intact records${damage}`);
  }
  lines.push("data files:");
  const count = (status: string) => report.dataFiles.filter((d) => d.status === status).length;
  lines.push(`  ${count("intact")} intact`);
  if (count("unverified") > 0) {
    lines.push(`  ${count("unverified")} unverified (previous format, no checksums yet: the next start adds them)`);
  }
  for (const d of report.dataFiles.filter((f) => f.status === "damaged")) {
    lines.push(`  ${label(d.status)} ${d.file}  ${d.stream}`);
    for (const range of d.damage) {
      const fix = range.inLog ? "the log holds them: a repair rewrites them" : "the log no longer holds them";
      lines.push(`      offsets [${range.from}, ${range.to}): ${KINDS[range.kind]} (${fix})`);
    }
  }
  if (report.notes.length > 0) lines.push("notes:", ...report.notes.map((note) => `  - ${note}`));
  if (!report.clean) {
    lines.push(repairing ? "a repair drops:" : "a repair would drop:");
    lines.push(...(report.losses.length === 0 ? ["  nothing"] : report.losses.map(formatLoss)));
  }
  lines.push("");
  if (report.clean) lines.push(`clean: ${report.streams} stream${report.streams === 1 ? "" : "s"}`);
  else if (!repairing) {
    lines.push(`DAMAGED. To repair (damaged files are copied to ${report.dir}/quarantine/ first):`);
    lines.push(`  rivulet fsck --data-dir ${report.dir} --repair`);
  }
  return `${lines.join("\n")}\n`;
}

export function formatRepair(repair: RepairResult): string {
  const lines = ["", "repaired:", `  damaged files copied to ${repair.quarantine}:`];
  lines.push(...repair.quarantined.map((file) => `    ${file}`));
  lines.push(repair.losses.length === 0 ? "  nothing was dropped" : "  dropped:");
  lines.push(...repair.losses.map((loss) => `  ${formatLoss(loss)}`));
  for (const slot of repair.rewrittenSlots) {
    lines.push(`  rewrote the damaged checksum of block ${slot.block} of ${slot.stream} from its data`);
  }
  lines.push(`  the directory now starts from ${repair.checkpoint}`);
  return `${lines.join("\n")}\n`;
}

function formatLoss(loss: Loss): string {
  const what = loss.wholeStream ? "the whole stream" : `offsets [${loss.from}, ${loss.to})`;
  const records = loss.records === undefined ? "" : `, ${loss.records} log record${loss.records === 1 ? "" : "s"}`;
  return `  ${loss.stream}: ${what}${records} (${loss.reason})`;
}

const KINDS = {
  data: "bytes fail their checksum",
  checksum: "their checksum slot is damaged",
  missing: "the file ends before them",
  index: "their append-index entries are damaged or out of order",
} as const;

function label(status: string): string {
  return (status === "intact" ? "intact " : status.toUpperCase()).padEnd(10);
}
