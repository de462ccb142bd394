/** How `rivulet sub` prints subscriptions: a table for `ls`, fields and cursors for `show`. */
import type { SubscriptionInfo, SubscriptionSummary } from "@rivulet/client/subscriptions";
import { colorsFor } from "../colors.js";
import { formatTable } from "../output/format.js";

const target = (sub: SubscriptionSummary | SubscriptionInfo) => sub.webhookUrl ?? `wake stream ${sub.wakeStream}`;

const dash = (value: string | null | undefined) => value ?? "-";

export function subscriptionTable(subs: readonly SubscriptionSummary[]): string {
  const c = colorsFor(process.stdout);
  const rows = subs.map((sub) => [
    sub.id,
    sub.type,
    target(sub),
    dash(sub.pattern),
    String(sub.streamCount),
    String(sub.pendingStreams),
    sub.status === "active" ? c.green("active") : c.red("failed"),
    String(sub.generation),
  ]);
  const header = ["ID", "TYPE", "DELIVERS TO", "PATTERN", "STREAMS", "PENDING", "STATUS", "GENERATION"];
  return formatTable(
    header.map((title) => c.bold(title)),
    rows,
    new Set([4, 5, 7]),
  );
}

export function subscriptionDetails(sub: SubscriptionInfo): string {
  const c = colorsFor(process.stdout);
  const fields: [string, string][] = [
    ["id", sub.id],
    ["type", sub.type],
    [sub.type === "webhook" ? "webhook" : "wake stream", target(sub).replace(/^wake stream /, "")],
    ["pattern", dash(sub.pattern)],
    ["lease", `${sub.leaseTtlMs / 1000} s`],
    ["status", sub.status === "active" ? c.green("active") : c.red("failed")],
    ["next attempt", dash(sub.nextAttemptAt)],
    ["generation", String(sub.generation)],
    ["created", sub.createdAt],
    ["description", dash(sub.description)],
  ];
  if (sub.signing) fields.push(["signing key", `${sub.signing.kid} (${sub.signing.jwksUrl})`]);
  const width = Math.max(...fields.map(([name]) => name.length));
  const lines = fields.map(([name, value]) => `${name.padEnd(width)}  ${value}`);
  if (sub.streams.length === 0) return [...lines, "", "no streams linked yet"].join("\n");
  const streams = formatTable(
    ["STREAM", "LINK", "ACKED OFFSET"].map((title) => c.bold(title)),
    sub.streams.map((link) => [link.path, link.linkType, link.ackedOffset]),
  );
  return [...lines, "", streams].join("\n");
}
