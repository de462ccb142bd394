/** Header names of the Durable Streams protocol, lower-cased as Node delivers them. */
export const Header = {
  contentType: "content-type",
  nextOffset: "stream-next-offset",
  upToDate: "stream-up-to-date",
  closed: "stream-closed",
  cursor: "stream-cursor",
  ttl: "stream-ttl",
  expiresAt: "stream-expires-at",
  seq: "stream-seq",
  forkedFrom: "stream-forked-from",
  forkOffset: "stream-fork-offset",
  forkSubOffset: "stream-fork-sub-offset",
  sseDataEncoding: "stream-sse-data-encoding",
  producerId: "producer-id",
  producerEpoch: "producer-epoch",
  producerSeq: "producer-seq",
  producerExpectedSeq: "producer-expected-seq",
  producerReceivedSeq: "producer-received-seq",
  producerPartitions: "producer-partitions",
  produceAnswer: "produce-answer",
  etag: "etag",
  ifNoneMatch: "if-none-match",
  cacheControl: "cache-control",
  location: "location",
  retryAfter: "retry-after",
  // Extensions (docs/extensions.md): pure additions, ignored by clients that do not know them.
  retentionMs: "stream-retention-ms",
  retentionBytes: "stream-retention-bytes",
  earliestOffset: "stream-earliest-offset",
  nextSeq: "stream-next-seq",
  appendSeq: "stream-append-seq",
  appendTime: "stream-append-time",
  expectedOffset: "stream-expected-offset",
  expectedSeq: "stream-expected-seq",
  view: "stream-view",
  atOffset: "stream-at-offset",
  atSeq: "stream-at-seq",
  atTime: "stream-at-time",
} as const;

/**
 * Every protocol response header a browser client may need to read (CORS expose list). Built by
 * a call marked pure so bundlers drop it from code that imports only `Header` (the client).
 */
export const EXPOSED_HEADERS = /* @__PURE__ */ exposedHeaders();

function exposedHeaders() {
  return [
    Header.nextOffset,
    Header.upToDate,
    Header.closed,
    Header.cursor,
    Header.ttl,
    Header.expiresAt,
    Header.sseDataEncoding,
    Header.producerEpoch,
    Header.producerSeq,
    Header.producerExpectedSeq,
    Header.producerReceivedSeq,
    Header.etag,
    Header.location,
    Header.retryAfter,
    Header.retentionMs,
    Header.retentionBytes,
    Header.earliestOffset,
    Header.nextSeq,
    Header.appendSeq,
    Header.appendTime,
    Header.view,
    Header.atOffset,
    Header.atSeq,
    Header.atTime,
    "x-request-id",
  ] as const;
}

/**
 * PROTOCOL §4.1: the header counts as present only when its value is exactly `true`,
 * compared case-insensitively; anything else is as if it were absent.
 */
export function isTrueFlag(value: string | undefined | null): boolean {
  return value != null && value.length === 4 && value.toLowerCase() === "true";
}
