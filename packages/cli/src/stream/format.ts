/** How `rivulet stream describe` prints an application: its topology, instances, and lag. */
import type { StreamAppDescription } from "@rivulet/kafka";
import { colorsFor } from "../colors.js";
import { formatTable } from "../output/format.js";

const bold = (titles: string[]) => titles.map((title) => colorsFor(process.stdout).bold(title));
const list = (items: readonly string[]) => (items.length > 0 ? items.join(", ") : "-");

export function streamDetails(app: string, described: StreamAppDescription): string {
  const t = described.topology;
  const fields: [string, string][] = [
    ["application", app],
    ["instances", String(described.instances.length)],
    ["total lag", String(described.totalLag)],
  ];
  if (t !== null) {
    fields.push(
      ["sources", list(t.sources)],
      ["operators", t.operators.join(" → ") || "-"],
      ["sinks", list(t.sinks)],
      ["stores", list(t.stores)],
      ["repartition", list(t.repartitionTopics)],
      ["changelogs", list(t.changelogTopics)],
      ["global tables", list(t.globalTables)],
    );
  }
  const width = Math.max(...fields.map(([name]) => name.length));
  const sections = [fields.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join("\n")];
  if (described.instances.length > 0) {
    sections.push(
      formatTable(
        bold(["MEMBER", "HOST", "PID", "PARTITIONS", "STORES (ENTRIES)"]),
        described.instances.map((i) => [
          i.memberId,
          i.host,
          String(i.pid),
          i.partitions.map((p) => `${p.topic}[${p.partition}]`).join(" ") || "-",
          i.stores.map((s) => `${s.store}[${s.partition}]=${s.entries}`).join(" ") || "-",
        ]),
        new Set([2]),
      ),
    );
  }
  sections.push(
    formatTable(
      bold(["TOPIC", "PARTITION", "COMMITTED SEQ", "LAG"]),
      described.lag.map((p) => [
        p.topic,
        String(p.partition),
        p.committedSeq === null ? "-" : String(p.committedSeq),
        p.lag === null ? "-" : String(p.lag),
      ]),
      new Set([1, 2, 3]),
    ),
  );
  return sections.join("\n\n");
}
