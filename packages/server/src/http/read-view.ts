/**
 * The `view` and `limit` parameters of reads (docs/extensions.md, "Records view"): `view=records`
 * answers one record per message with its offset, seq and time; `limit` caps the records per
 * response. Without `view`, `limit` means nothing and is ignored, as a server without the
 * extension ignores both.
 */
import { Header, ProtocolError, RECORDS_VIEW, readEtag } from "@rivulet/protocol";
import type { RecordsChunk } from "../engine/records.js";
import type { HttpRequest } from "./exchange.js";

export interface ReadView {
  /** Records view; undefined for the plain view. */
  readonly records: { readonly limit: number } | undefined;
}

export const MAX_RECORDS = 10_000;
const PLAIN: ReadView = Object.freeze({ records: undefined });
const LIMIT_PATTERN = /^[1-9]\d{0,4}$/;

export function readView(request: HttpRequest): ReadView {
  const view = request.query.get("view");
  if (view === null) return PLAIN;
  if (view !== RECORDS_VIEW) throw new ProtocolError("INVALID_VIEW", `Unknown view: ${JSON.stringify(view)}`);
  const raw = request.query.get("limit");
  if (raw === null) return { records: { limit: MAX_RECORDS } };
  const limit = LIMIT_PATTERN.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit <= MAX_RECORDS)) {
    throw new ProtocolError(
      "INVALID_LIMIT",
      `limit must be an integer from 1 to ${MAX_RECORDS}: ${JSON.stringify(raw)}`,
    );
  }
  return { records: { limit } };
}

/** The headers every records-view response carries besides the usual ones. */
export const RECORDS_HEADERS = { [Header.contentType]: "application/json", [Header.view]: RECORDS_VIEW } as const;

/**
 * ETag of a records response: the plain tag marked with the view and the limit, since the same
 * range in the two views (or under two limits) has different bodies.
 */
export function recordsEtag(streamId: string, start: string, chunk: RecordsChunk, end: string, limit: number): string {
  const plain = readEtag(streamId, start, end, chunk);
  return `${plain.slice(0, -1)}:r${limit}"`;
}

export function recordsBody(chunk: RecordsChunk): Uint8Array[] {
  return [chunk.body];
}
