/**
 * The SDK's error hierarchy (kafka-do's, as classes). Every error carries the server's stable
 * `code` (docs/kafka-layer.md, "Errors"), the HTTP `status` when a response caused it, and
 * `isRetriable`. Classes are chosen from the code, never from message text, so callers can
 * use `instanceof` or `code` alike.
 */

export interface KafkaErrorInit {
  status?: number | undefined;
  isRetriable?: boolean | undefined;
  /** How long the server asked to wait before retrying (`Retry-After`), in ms. */
  retryAfterMs?: number | undefined;
  /** The error object the server answered with, as sent (extra fields such as `errors`). */
  details?: Record<string, unknown> | undefined;
  cause?: unknown;
}

export class KafkaError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  readonly isRetriable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, init: KafkaErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = init.status;
    this.isRetriable = init.isRetriable ?? false;
    this.retryAfterMs = init.retryAfterMs;
    this.details = init.details;
  }
}

export class TopicNotFoundError extends KafkaError {}
export class PartitionNotFoundError extends KafkaError {}
export class MessageTooLargeError extends KafkaError {}
/** The request reached a node that cannot serve it now (the server is replaying state, or overloaded). */
export class NotLeaderError extends KafkaError {}
/** A read or reset before the partition's earliest retained offset (`earliestOffset`) or past its tail. */
export class OffsetOutOfRangeError extends KafkaError {
  get earliestOffset(): string | undefined {
    const value = this.details?.earliest_offset;
    return typeof value === "string" ? value : undefined;
  }
}
/** The group refused the member or its commit: fenced, stale epoch, unknown member, not empty. */
export class GroupCoordinatorError extends KafkaError {}
/** The member's assignment changed under it: heartbeat, then carry on with what it owns. */
export class RebalanceInProgressError extends KafkaError {}
export class UnauthorizedError extends KafkaError {}
export class QuotaExceededError extends KafkaError {}
export class TimeoutError extends KafkaError {}
export class DisconnectedError extends KafkaError {}
export class SerializationError extends KafkaError {}
/** Items of a transaction were refused; nothing was written. `refusals` lists each. */
export class TransactionConflictError extends KafkaError {
  get refusals(): readonly Record<string, unknown>[] {
    const errors = this.details?.errors;
    return Array.isArray(errors) ? (errors as Record<string, unknown>[]) : [];
  }
}

type ErrorClass = new (code: string, message: string, init?: KafkaErrorInit) => KafkaError;

/** The class for each server code the SDK maps; anything else is a plain `KafkaError`. */
const CLASS_BY_CODE: Readonly<Record<string, ErrorClass>> = {
  TOPIC_NOT_FOUND: TopicNotFoundError,
  STREAM_NOT_FOUND: TopicNotFoundError,
  PARTITION_NOT_FOUND: PartitionNotFoundError,
  MESSAGE_TOO_LARGE: MessageTooLargeError,
  PAYLOAD_TOO_LARGE: MessageTooLargeError,
  TOO_MANY_TRANSACTION_ITEMS: MessageTooLargeError,
  UNAVAILABLE: NotLeaderError,
  STORE_CONFLICT: NotLeaderError,
  OFFSET_OUT_OF_RANGE: OffsetOutOfRangeError,
  STREAM_GONE: OffsetOutOfRangeError,
  INVALID_OFFSET: OffsetOutOfRangeError,
  GROUP_NOT_FOUND: GroupCoordinatorError,
  UNKNOWN_MEMBER_ID: GroupCoordinatorError,
  FENCED_MEMBER_EPOCH: GroupCoordinatorError,
  UNRELEASED_INSTANCE_ID: GroupCoordinatorError,
  INCONSISTENT_ASSIGNOR: GroupCoordinatorError,
  OFFSET_REGRESSION: GroupCoordinatorError,
  GROUP_NOT_EMPTY: GroupCoordinatorError,
  GROUP_LIMIT_REACHED: GroupCoordinatorError,
  GROUP_MAX_SIZE_REACHED: GroupCoordinatorError,
  STALE_MEMBER_EPOCH: RebalanceInProgressError,
  UNAUTHORIZED: UnauthorizedError,
  FORBIDDEN: UnauthorizedError,
  RATE_LIMITED: QuotaExceededError,
  TOO_MANY_CONNECTIONS: QuotaExceededError,
  TOO_MANY_OPEN_FILES: QuotaExceededError,
  INSUFFICIENT_STORAGE: QuotaExceededError,
  STREAM_LIMIT_REACHED: QuotaExceededError,
  TOPIC_LIMIT_REACHED: QuotaExceededError,
  TRANSACTION_CONFLICT: TransactionConflictError,
};

/** Codes worth retrying as they are (the server said so with a 503/507 and `Retry-After`, or a 5xx). */
const RETRIABLE_CODES = new Set([
  "UNAVAILABLE",
  "STORE_CONFLICT",
  "TOO_MANY_CONNECTIONS",
  "TOO_MANY_OPEN_FILES",
  "INSUFFICIENT_STORAGE",
  "RATE_LIMITED",
  "UNRELEASED_INSTANCE_ID",
  "STALE_MEMBER_EPOCH",
]);

/** The error for a server's answer `{ "error": { "code", "message", … } }` (or a body without one). */
export function errorFromResponse(status: number, body: unknown, retryAfter: string | null): KafkaError {
  const error = isObject(body) && isObject(body.error) ? body.error : undefined;
  const code = typeof error?.code === "string" ? error.code : `HTTP_${status}`;
  const message = typeof error?.message === "string" ? error.message : `The server answered ${status}`;
  const ErrorType = CLASS_BY_CODE[code] ?? KafkaError;
  return new ErrorType(code, message, {
    status,
    isRetriable: RETRIABLE_CODES.has(code) || (error === undefined && status >= 500),
    retryAfterMs: retryAfterMs(retryAfter),
    details: error,
  });
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
