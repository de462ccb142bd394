/**
 * Errors as data: every failure the protocol can report has a stable code, and one table
 * maps codes to HTTP statuses. Nothing chooses a status by looking at message text.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  INVALID_OFFSET: 400,
  INVALID_PATH: 400,
  INVALID_TTL: 400,
  INVALID_EXPIRES_AT: 400,
  TTL_AND_EXPIRES_AT: 400,
  INVALID_LIVE_MODE: 400,
  INVALID_PRODUCER_HEADERS: 400,
  PRODUCER_EPOCH_SEQ_NOT_ZERO: 400,
  EMPTY_BODY: 400,
  EMPTY_JSON_ARRAY: 400,
  INVALID_JSON: 400,
  MISSING_CONTENT_TYPE: 400,
  INVALID_FORK_OFFSET: 400,
  FORK_OFFSET_BEYOND_TAIL: 400,
  INVALID_FORK_SUB_OFFSET: 400,
  /** Stream-Retention-Ms or Stream-Retention-Bytes (or a retention patch) is not a non-negative integer. */
  INVALID_RETENTION: 400,
  /** The `at` parameter of a point-in-time lookup is neither ms since the epoch nor an RFC 3339 time. */
  INVALID_AT: 400,
  /** Stream-Expected-Seq is not a non-negative integer. */
  INVALID_EXPECTED_SEQ: 400,
  /** The `view` parameter names no view this server has. */
  INVALID_VIEW: 400,
  /** The `limit` parameter is not a positive integer within the allowed range. */
  INVALID_LIMIT: 400,
  /** A subscription body or id that is not valid (PROTOCOL §6.2): the message says which field. */
  INVALID_SUBSCRIPTION: 400,
  /** A webhook URL refused to prevent server-side request forgery (PROTOCOL §6.2, §12.8). */
  WEBHOOK_URL_REJECTED: 400,
  /** A webhook URL longer than the server accepts. */
  WEBHOOK_URL_TOO_LONG: 400,
  /** A glob pattern longer, deeper or with more wildcards than the server accepts. */
  PATTERN_TOO_COMPLEX: 400,
  /** More streams linked to one subscription than the server accepts. */
  TOO_MANY_SUBSCRIPTION_STREAMS: 400,
  /** An ack names a stream the wake does not cover, or an offset that is malformed or past the tail (PROTOCOL §7). */
  INVALID_ACK: 400,
  /** A topic name that is not 1–249 characters of `a-z A-Z 0-9 . _ -`, is `.` or `..`, or starts with the reserved `__`. */
  INVALID_TOPIC_NAME: 400,
  /** A topic configuration (create or alter) that is not valid: the message says which setting. */
  INVALID_TOPIC_CONFIG: 400,
  /** A partition count outside 1..the server's limit, or lower than the topic has: partitions only grow. */
  INVALID_PARTITION_COUNT: 400,
  /** A produced record that is not `{key?, value?, headers?, ts?, partition?}` as documented: the message says which and why. */
  INVALID_RECORD: 400,
  /** A consumer group request (id, heartbeat, commit, reset) that is not valid: the message says which field. */
  INVALID_GROUP_REQUEST: 400,
  /** A transaction body that is not valid (docs/kafka-layer.md): the message says which item or field. */
  INVALID_TRANSACTION: 400,
  /** A credential is required and was absent or invalid (sent with `WWW-Authenticate: Bearer`). */
  UNAUTHORIZED: 401,
  /** The credential is valid but does not grant this operation on this path. */
  FORBIDDEN: 403,
  STALE_PRODUCER_EPOCH: 403,
  STREAM_NOT_FOUND: 404,
  FORK_SOURCE_NOT_FOUND: 404,
  /** No subscription with this id (or it was deleted, PROTOCOL §6.3). */
  SUBSCRIPTION_NOT_FOUND: 404,
  /** No consumer group with this id. */
  GROUP_NOT_FOUND: 404,
  /** The group has no member with this id: it left, its session expired, or another took its instance id (KIP-848). */
  UNKNOWN_MEMBER_ID: 404,
  /** No topic with this name. */
  TOPIC_NOT_FOUND: 404,
  /** The topic has no partition with this number. */
  PARTITION_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  /** The request (headers or body) arrived too slowly. */
  REQUEST_TIMEOUT: 408,
  STREAM_EXISTS: 409,
  CONTENT_TYPE_MISMATCH: 409,
  STREAM_CLOSED: 409,
  STREAM_SEQ_REGRESSION: 409,
  PRODUCER_SEQ_GAP: 409,
  FORK_SOURCE_DELETED: 409,
  /** A subscription with this id exists with a different configuration (PROTOCOL §6.2). */
  SUBSCRIPTION_EXISTS: 409,
  /** A callback, ack or release for a wake that is no longer current (PROTOCOL §7.1, §7.3). */
  FENCED: 409,
  /** Another worker holds the subscription's lease; the body names it (PROTOCOL §7.2). */
  ALREADY_CLAIMED: 409,
  /** A topic with this name exists with a different configuration. */
  TOPIC_EXISTS: 409,
  /** A stream already occupies one of the topic's partition paths (one not made by the topic, or a deleted partition forks still read). */
  TOPIC_PATH_IN_USE: 409,
  /** A produce request older than one the same producer already wrote to that partition: send one request at a time. */
  PRODUCER_OUT_OF_ORDER: 409,
  /** The member's epoch is not its current one: it must give up its partitions and rejoin with epoch 0 (KIP-848). */
  FENCED_MEMBER_EPOCH: 409,
  /** A commit for a partition the member does not own at that epoch: heartbeat, then retry with the current assignment. */
  STALE_MEMBER_EPOCH: 409,
  /** Another active member holds this instance id; with `Retry-After` until its session ends (KIP-848). */
  UNRELEASED_INSTANCE_ID: 409,
  /** The group has members: offsets may be reset, and the group deleted, only when it has none. */
  GROUP_NOT_EMPTY: 409,
  /** A commit below the group's committed offset: offsets go back only through a reset; the body names the committed one. */
  OFFSET_REGRESSION: 409,
  /** A member asks for another assignor than the one the group's members use. */
  INCONSISTENT_ASSIGNOR: 409,
  /** Items or parts of a transaction were refused: the body's `errors` says which and why. Nothing was written. */
  TRANSACTION_CONFLICT: 409,
  STREAM_GONE: 410,
  /** The offset is before the stream's earliest retained position; sent with Stream-Earliest-Offset. */
  OFFSET_OUT_OF_RANGE: 410,
  /** A conditional append's expected tail differs from the stream's; nothing was written. */
  TAIL_MISMATCH: 412,
  PAYLOAD_TOO_LARGE: 413,
  /** One JSON message of a body is larger than the per-message limit. */
  MESSAGE_TOO_LARGE: 413,
  /** A transaction with more items than the server accepts in one. */
  TOO_MANY_TRANSACTION_ITEMS: 413,
  /** The stream path is longer than the server accepts. */
  PATH_TOO_LONG: 414,
  /** The request body's Content-Encoding is not one the server decodes (identity and gzip). */
  UNSUPPORTED_CONTENT_ENCODING: 415,
  /** Too many requests from one client or token; `Retry-After` says when to try again. */
  RATE_LIMITED: 429,
  /** The request headers are larger than the server accepts. */
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  /** Stored bytes failed their checksum; they are never served (run `rivulet fsck`). */
  DATA_CORRUPTED: 500,
  UNAVAILABLE: 503,
  /** Servers sharing a store changed one stream at the same moment, more often than retried; with `Retry-After`. */
  STORE_CONFLICT: 503,
  /** The server ran out of file descriptors; with `Retry-After`. */
  TOO_MANY_OPEN_FILES: 503,
  /** The database the store lives in cannot be reached now (restarting, connection lost); with `Retry-After`. */
  STORE_UNAVAILABLE: 503,
  /** Too many concurrent live reads (long-poll, SSE), in total or from one client; with `Retry-After`. */
  TOO_MANY_CONNECTIONS: 503,
  INSUFFICIENT_STORAGE: 507,
  /** The server holds as many streams as it is configured to; no new one can be created. */
  STREAM_LIMIT_REACHED: 507,
  /** The server holds as many subscriptions as it is configured to; no new one can be created. */
  SUBSCRIPTION_LIMIT_REACHED: 507,
  /** The server holds as many topics as it is configured to; no new one can be created. */
  TOPIC_LIMIT_REACHED: 507,
  /** The server holds as many consumer groups as it is configured to; no new one can be created. */
  GROUP_LIMIT_REACHED: 507,
  /** The group has as many members as it is configured to; no new one can join. */
  GROUP_MAX_SIZE_REACHED: 507,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A JSON value an error's body may carry. */
export type DetailValue =
  | string
  | number
  | boolean
  | null
  | readonly DetailValue[]
  | { readonly [key: string]: DetailValue };

/**
 * Fields an error adds to its body beside `code` and `message` (e.g. ALREADY_CLAIMED's
 * `current_holder`, TRANSACTION_CONFLICT's `errors`).
 */
export type ErrorDetails = Readonly<Record<string, DetailValue>>;

/**
 * A protocol failure: a stable code, its HTTP status, headers the spec requires with it, and
 * details the spec puts in the error body.
 */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly details: ErrorDetails | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    headers: Record<string, string> = {},
    options?: { cause?: unknown; details?: ErrorDetails },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ProtocolError";
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.headers = headers;
    this.details = options?.details;
  }

  /** The JSON body every error response carries; details never override `code` or `message`. */
  toBody(): { error: { code: ErrorCode; message: string } & Record<string, unknown> } {
    return { error: { ...this.details, code: this.code, message: this.message } };
  }
}

export function isProtocolError(value: unknown): value is ProtocolError {
  return value instanceof ProtocolError;
}
