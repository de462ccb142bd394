/** What the streams list and page say about a stream, from the admin listing's entry. Pure. */
import { formatBytes, formatDuration } from "./format.js";

/** One entry of `GET {base}/__ds/streams`. */
export interface StreamEntry {
  readonly path: string;
  readonly contentType: string;
  readonly nextOffset: string;
  readonly bytes: number;
  readonly closed: boolean;
  readonly deleted: boolean;
  readonly createdAt: string;
  readonly ttlSeconds: number | null;
  readonly expiresAt: string | null;
  readonly forkedFrom: string | null;
  readonly forks: number;
  readonly activity?: {
    readonly lastWriteAt: string | null;
    readonly messages: number | null;
    readonly messagesPerSecond: number;
  } | null;
  /** Retention, when the server reports it (an extension): kept for this long or this many bytes. */
  readonly retention?: { readonly ms?: number | null; readonly bytes?: number | null } | null;
}

export type StreamState = "open" | "closed" | "expiring" | "deleted";

export function streamState(entry: Pick<StreamEntry, "closed" | "deleted" | "ttlSeconds" | "expiresAt">): StreamState {
  if (entry.deleted) return "deleted";
  if (entry.closed) return "closed";
  if (entry.ttlSeconds !== null || entry.expiresAt !== null) return "expiring";
  return "open";
}

/** The stream's name as users give it: its path under the base path. */
export function streamName(path: string, basePath: string): string {
  return path.startsWith(`${basePath}/`) ? path.slice(basePath.length + 1) : path;
}

/** When the stream goes away by itself: an idle TTL, a fixed time, or never. */
export function expiryText(entry: Pick<StreamEntry, "ttlSeconds" | "expiresAt">): string {
  if (entry.ttlSeconds !== null) return `${formatDuration(entry.ttlSeconds)} idle`;
  if (entry.expiresAt !== null) return `at ${entry.expiresAt.replace("T", " ").replace(/\.\d+Z$/, "Z")}`;
  return "never";
}

/** Retention as the server reports it; "—" when it reports none (kept whole until deleted or expired). */
export function retentionText(entry: Pick<StreamEntry, "retention">): string {
  const retention = entry.retention;
  if (!retention || (retention.ms == null && retention.bytes == null)) return "—";
  const parts: string[] = [];
  if (retention.ms != null) parts.push(formatDuration(Math.round(retention.ms / 1000)));
  if (retention.bytes != null) parts.push(formatBytes(retention.bytes));
  return parts.join(" / ");
}

export function isJsonType(contentType: string): boolean {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || type.endsWith("+json");
}
