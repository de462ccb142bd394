/**
 * One error hierarchy for everything the client can fail at. Every error carries a stable
 * `code`, the HTTP `status` when a response caused it, the stream `url`, and `isRetryable`.
 * Callers branch on `code` (or `instanceof` for the subclasses that carry extra data), never
 * on message text.
 */

export type StreamErrorCode =
  | "NOT_FOUND"
  /** `create()` found a stream already at the URL with a different configuration (or `exclusive: true`). */
  | "ALREADY_EXISTS"
  /** A write or fork disagreed with the stream's configuration (content type). */
  | "CONFIG_CONFLICT"
  | "STREAM_CLOSED"
  /** `Stream-Seq` did not increase (PROTOCOL §5.2). */
  | "SEQUENCE_CONFLICT"
  /** A producer epoch older than the server's (PROTOCOL §5.2.1); see `StaleEpochError`. */
  | "STALE_EPOCH"
  /** A producer sequence number skipped ahead; see `SequenceGapError`. */
  | "SEQUENCE_GAP"
  /** Offset before retained data, or a soft-deleted stream; see `GoneError`. */
  | "GONE"
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "RATE_LIMITED"
  | "PAYLOAD_TOO_LARGE"
  | "SERVER_ERROR"
  /** The request did not get a response: connection refused, reset, DNS, cut mid-body. */
  | "NETWORK"
  | "TIMEOUT"
  /** A response (or item) could not be decoded: bad JSON, bad SSE, bad base64, validator rejection. */
  | "PARSE_ERROR"
  /** Cancelled through an AbortSignal. */
  | "ABORTED"
  /** The API was used in a way that cannot work (e.g. `json()` on a live read). */
  | "USAGE"
  /** An option or argument has a value that cannot work (a usage error found at once); see `InvalidArgumentError`. */
  | "INVALID_ARGUMENT"
  // Subscriptions (`@rivulet/client/subscriptions`, PROTOCOL §6–7): the server's own codes.
  /** A subscription id or configuration the server refused; the message names the field. */
  | "INVALID_SUBSCRIPTION"
  /** A webhook URL refused to prevent server-side request forgery (PROTOCOL §12.8). */
  | "WEBHOOK_URL_REJECTED"
  | "WEBHOOK_URL_TOO_LONG"
  /** A glob pattern longer, deeper or with more wildcards than the server accepts. */
  | "PATTERN_TOO_COMPLEX"
  /** More streams for one subscription than the server accepts. */
  | "TOO_MANY_SUBSCRIPTION_STREAMS"
  /** An ack for a stream the subscription does not link, or an offset outside it. */
  | "INVALID_ACK"
  /** The subscription id exists with a different configuration (PROTOCOL §6.2). */
  | "SUBSCRIPTION_EXISTS"
  /** The server holds as many subscriptions as it may. */
  | "SUBSCRIPTION_LIMIT_REACHED"
  /** The wake is no longer current: a newer generation fenced it (PROTOCOL §7.3). */
  | "FENCED"
  /** Another worker holds the subscription's lease; see `AlreadyClaimedError`. */
  | "ALREADY_CLAIMED"
  /** A webhook request failed verification (signature, key, time, body); see `WebhookRejectedError`. */
  | "WEBHOOK_REJECTED"
  /** A conditional append found another tail than it expected; nothing was written. See `TailMismatchError`. */
  | "TAIL_MISMATCH"
  /** The server lacks the protocol extension a call needs (docs/extensions.md); nothing was sent that it could misread. */
  | "UNSUPPORTED";

/** Codes whose failures may succeed when tried again unchanged. */
const RETRYABLE_CODES: ReadonlySet<StreamErrorCode> = new Set(["RATE_LIMITED", "SERVER_ERROR", "NETWORK", "TIMEOUT"]);

export interface StreamErrorDetails {
  url: string;
  status?: number | undefined;
  cause?: unknown;
  /** How long the server asked the client to wait (`Retry-After`), in milliseconds. */
  retryAfterMs?: number | undefined;
  /** The server's own error code from an error body, when it sent one. */
  serverCode?: string | undefined;
  /** Overrides the code's default retryability (e.g. 501 is a server error that will not heal). */
  retryable?: boolean | undefined;
  /** The headers of the response that caused the error, when there was one. */
  headers?: Headers | undefined;
}

export class StreamError extends Error {
  readonly code: StreamErrorCode;
  readonly status: number | undefined;
  readonly url: string;
  readonly isRetryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly serverCode: string | undefined;
  /** The headers of the failed response (request ids, rate-limit and protocol headers); undefined without one. */
  readonly headers: Headers | undefined;

  constructor(code: StreamErrorCode, message: string, details: StreamErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "StreamError";
    this.code = code;
    this.status = details.status;
    this.url = details.url;
    this.isRetryable = details.retryable ?? RETRYABLE_CODES.has(code);
    this.retryAfterMs = details.retryAfterMs;
    this.serverCode = details.serverCode;
    this.headers = details.headers;
  }
}

/** The server fenced this producer: another session holds a newer epoch. */
export class StaleEpochError extends StreamError {
  /** The server's current epoch (`Producer-Epoch` of the 403), when it sent one. */
  readonly serverEpoch: number | undefined;

  constructor(message: string, details: StreamErrorDetails & { serverEpoch: number | undefined }) {
    super("STALE_EPOCH", message, details);
    this.name = "StaleEpochError";
    this.serverEpoch = details.serverEpoch;
  }
}

/** The server expected an earlier producer sequence number than the one sent. */
export class SequenceGapError extends StreamError {
  readonly expectedSeq: number | undefined;
  readonly receivedSeq: number | undefined;

  constructor(
    message: string,
    details: StreamErrorDetails & { expectedSeq: number | undefined; receivedSeq: number | undefined },
  ) {
    super("SEQUENCE_GAP", message, details);
    this.name = "SequenceGapError";
    this.expectedSeq = details.expectedSeq;
    this.receivedSeq = details.receivedSeq;
  }
}

/** The requested data is no longer there (retention), or the stream was soft-deleted. */
export class GoneError extends StreamError {
  /** Where retained data begins, when the server said so; resume from here to skip the gap. */
  readonly earliestOffset: string | undefined;

  constructor(message: string, details: StreamErrorDetails & { earliestOffset: string | undefined }) {
    super("GONE", message, details);
    this.name = "GoneError";
    this.earliestOffset = details.earliestOffset;
  }
}

/** A conditional append (`expectedOffset`, `expectedSeq`) found the stream's tail elsewhere; nothing was written. */
export class TailMismatchError extends StreamError {
  /** The stream's tail offset when the append was refused (`Stream-Next-Offset` of the 412). */
  readonly currentOffset: string | undefined;
  /** The seq the stream's next message gets (`Stream-Next-Seq` of the 412). */
  readonly currentSeq: number | undefined;

  constructor(
    message: string,
    details: StreamErrorDetails & { currentOffset: string | undefined; currentSeq: number | undefined },
  ) {
    super("TAIL_MISMATCH", message, details);
    this.name = "TailMismatchError";
    this.currentOffset = details.currentOffset;
    this.currentSeq = details.currentSeq;
  }
}

/** A write or fork disagreed with the stream's configuration, most often its content type. */
export class ConfigConflictError extends StreamError {
  /** The stream's content type (for a fork, the source's), when it could be learned. */
  readonly expectedContentType: string | undefined;
  /** The content type the request carried, if it carried one. */
  readonly actualContentType: string | undefined;

  constructor(
    message: string,
    details: StreamErrorDetails & { expectedContentType: string | undefined; actualContentType: string | undefined },
  ) {
    super("CONFIG_CONFLICT", message, details);
    this.name = "ConfigConflictError";
    this.expectedContentType = details.expectedContentType;
    this.actualContentType = details.actualContentType;
  }

  /** The same error, knowing the stream's content type. */
  withExpected(expectedContentType: string | undefined): ConfigConflictError {
    const { url, status, cause, retryAfterMs, serverCode, headers, actualContentType } = this;
    const details = { url, status, cause, retryAfterMs, serverCode, headers };
    return new ConfigConflictError(this.message, { ...details, expectedContentType, actualContentType });
  }
}

/** The stream is closed; no more data can be appended. */
export class StreamClosedError extends StreamError {
  /** The stream's final offset, from `Stream-Next-Offset` of the 409 (PROTOCOL §5.2). */
  readonly finalOffset: string | undefined;

  constructor(message: string, details: StreamErrorDetails & { finalOffset: string | undefined }) {
    super("STREAM_CLOSED", message, details);
    this.name = "StreamClosedError";
    this.finalOffset = details.finalOffset;
  }
}

/** An option or argument with a value that cannot work, found before any request is made. */
export class InvalidArgumentError extends StreamError {
  /** The option's path as the caller wrote it, e.g. `retry.maxRetries` or `url`. */
  readonly option: string;

  constructor(option: string, message: string, details: StreamErrorDetails) {
    super("INVALID_ARGUMENT", message, details);
    this.name = "InvalidArgumentError";
    this.option = option;
  }
}

export function isStreamError(value: unknown, code?: StreamErrorCode): value is StreamError {
  return value instanceof StreamError && (code === undefined || value.code === code);
}

/** A misuse of the API, reported through the same hierarchy so callers need one catch. */
export function usageError(url: string, message: string): StreamError {
  return new StreamError("USAGE", message, { url });
}

/** A write that needs the stream's content type before anything has told it. */
export function unknownContentType(url: string): StreamError {
  return usageError(url, "Unknown content type: create() or connect() the stream first, or pass contentType");
}

/** The server does not support `extension` (by its capabilities, or by an answer that ignored the request for it). */
export function unsupported(url: string, extension: string, what: string): StreamError {
  return new StreamError("UNSUPPORTED", `The server does not support ${what} (extension "${extension}")`, { url });
}

export function parseError(url: string, message: string, cause?: unknown): StreamError {
  return new StreamError("PARSE_ERROR", message, { url, cause });
}

export function abortedError(url: string, reason?: unknown): StreamError {
  return new StreamError("ABORTED", "The operation was aborted", { url, cause: reason });
}
