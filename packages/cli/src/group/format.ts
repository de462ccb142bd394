/** How `rivulet group` prints groups: a table for `ls`; members and lag per partition for `describe`. */
import type { GroupDescription, GroupSummary, ResetOffset } from "@rivulet/kafka";
import { colorsFor } from "../colors.js";
import { formatTable } from "../output/format.js";

const bold = (titles: string[]) => titles.map((title) => colorsFor(process.stdout).bold(title));

export function groupTable(groups: readonly GroupSummary[]): string {
  const rows = groups.map((group) => [
    group.id,
    group.state,
    String(group.memberCount),
    String(group.groupEpoch),
    group.assignor,
  ]);
  return formatTable(bold(["GROUP", "STATE", "MEMBERS", "EPOCH", "ASSIGNOR"]), rows, new Set([2, 3]));
}

const assignment = (partitions: Record<string, number[]>) =>
  Object.entries(partitions)
    .map(([topic, numbers]) => `${topic}[${numbers.join(",")}]`)
    .join(" ") || "-";

export function groupDetails(group: GroupDescription): string {
  const fields: [string, string][] = [
    ["group", group.id],
    ["state", group.state],
    ["members", String(group.memberCount)],
    ["epoch", String(group.groupEpoch)],
    ["assignor", group.assignor],
    ["total lag", String(group.totalLag)],
  ];
  const width = Math.max(...fields.map(([name]) => name.length));
  const lines = fields.map(([name, value]) => `${name.padEnd(width)}  ${value}`);
  const partitions = formatTable(
    bold(["TOPIC", "PARTITION", "COMMITTED SEQ", "LAG", "COMMITTED OFFSET"]),
    group.partitions.map((p) => [
      p.topic,
      String(p.partition),
      p.committedSeq === null ? "-" : String(p.committedSeq),
      p.lag === null ? "-" : String(p.lag),
      p.committedOffset ?? "-",
    ]),
    new Set([1, 2, 3]),
  );
  const sections = [lines.join("\n"), partitions];
  if (group.members.length > 0) {
    const members = formatTable(
      bold(["MEMBER", "INSTANCE", "EPOCH", "STATE", "ASSIGNMENT"]),
      group.members.map((m) => [
        m.memberId,
        m.instanceId ?? "-",
        String(m.memberEpoch),
        m.state,
        assignment(m.assignment),
      ]),
      new Set([2]),
    );
    sections.push(members);
  }
  return sections.join("\n\n");
}

export function resetTable(offsets: readonly ResetOffset[]): string {
  return formatTable(
    bold(["TOPIC", "PARTITION", "SEQ", "OFFSET"]),
    offsets.map((o) => [o.topic, String(o.partition), o.seq === null ? "-" : String(o.seq), o.offset]),
    new Set([1, 2]),
  );
}
