/**
 * Exit codes scripts can rely on. Every client error code maps to exactly one of them (the
 * Record type makes a new client code a compile error here until it is placed).
 */
import { StreamError, type StreamErrorCode } from "@rivulet/client";
import { KafkaError } from "@rivulet/kafka/errors";
import { CommanderError } from "commander";
import { CliError, type CliErrorCode } from "./failure.js";

export const EXIT = {
  ok: 0,
  usage: 1,
  notFound: 2,
  conflict: 3,
  auth: 4,
  unavailable: 5,
  /** rivulet fsck found damage (and `rivulet serve` refused a damaged data directory). */
  damaged: 6,
  /** rivulet fsck --repair found damage and repaired it; the report says what was dropped. */
  repaired: 7,
  /** consume -- <command>: the command failed for a record, which was not committed. */
  commandFailed: 8,
  interrupted: 130,
} as const;

const BY_STREAM_CODE: Record<StreamErrorCode, number> = {
  USAGE: EXIT.usage,
  INVALID_ARGUMENT: EXIT.usage,
  BAD_REQUEST: EXIT.usage,
  PAYLOAD_TOO_LARGE: EXIT.usage,
  UNSUPPORTED: EXIT.usage,
  NOT_FOUND: EXIT.notFound,
  GONE: EXIT.notFound,
  ALREADY_EXISTS: EXIT.conflict,
  CONFIG_CONFLICT: EXIT.conflict,
  STREAM_CLOSED: EXIT.conflict,
  SEQUENCE_CONFLICT: EXIT.conflict,
  STALE_EPOCH: EXIT.conflict,
  SEQUENCE_GAP: EXIT.conflict,
  TAIL_MISMATCH: EXIT.conflict,
  UNAUTHORIZED: EXIT.auth,
  FORBIDDEN: EXIT.auth,
  SERVER_ERROR: EXIT.unavailable,
  NETWORK: EXIT.unavailable,
  TIMEOUT: EXIT.unavailable,
  RATE_LIMITED: EXIT.unavailable,
  PARSE_ERROR: EXIT.unavailable,
  ABORTED: EXIT.interrupted,
  INVALID_SUBSCRIPTION: EXIT.usage,
  WEBHOOK_URL_REJECTED: EXIT.usage,
  WEBHOOK_URL_TOO_LONG: EXIT.usage,
  PATTERN_TOO_COMPLEX: EXIT.usage,
  TOO_MANY_SUBSCRIPTION_STREAMS: EXIT.usage,
  INVALID_ACK: EXIT.usage,
  SUBSCRIPTION_EXISTS: EXIT.conflict,
  FENCED: EXIT.conflict,
  ALREADY_CLAIMED: EXIT.conflict,
  SUBSCRIPTION_LIMIT_REACHED: EXIT.unavailable,
  WEBHOOK_REJECTED: EXIT.auth,
};

const BY_CLI_CODE: Record<CliErrorCode, number> = {
  USAGE: EXIT.usage,
  INPUT: EXIT.usage,
  CANNOT_LISTEN: EXIT.usage,
  CONFIG_INVALID: EXIT.usage,
  CONTEXT_NOT_FOUND: EXIT.notFound,
  CONTEXT_EXISTS: EXIT.conflict,
  COMMAND_FAILED: EXIT.commandFailed,
  CLUSTER_START_FAILED: EXIT.unavailable,
};

/**
 * Topic and group failures (the server's codes, docs/kafka-layer.md) by the status the
 * server's one code-to-status table gives them; these codes are placed by name, because the
 * SDK may raise them itself, without a response (a partition it knows the topic lacks).
 */
const BY_KAFKA_CODE: Record<string, number> = {
  TOPIC_NOT_FOUND: EXIT.notFound,
  PARTITION_NOT_FOUND: EXIT.notFound,
  GROUP_NOT_FOUND: EXIT.notFound,
  TOPIC_EXISTS: EXIT.conflict,
  GROUP_NOT_EMPTY: EXIT.conflict,
  STALE_PRODUCER_EPOCH: EXIT.conflict,
  TIMEOUT: EXIT.unavailable,
  NETWORK: EXIT.unavailable,
  ABORTED: EXIT.interrupted,
};

function kafkaExitCode(error: KafkaError): number {
  const byCode = BY_KAFKA_CODE[error.code];
  if (byCode !== undefined) return byCode;
  const status = error.status ?? 400;
  if (status === 404 || status === 410) return EXIT.notFound;
  if (status === 409 || status === 412) return EXIT.conflict;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 429 || status >= 500) return EXIT.unavailable;
  return EXIT.usage;
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof StreamError) return BY_STREAM_CODE[error.code];
  if (error instanceof KafkaError) return kafkaExitCode(error);
  if (error instanceof CliError) return BY_CLI_CODE[error.code];
  if (error instanceof CommanderError) return error.exitCode;
  // For want of a better answer, bugs.
  return EXIT.usage;
}

/** The table in `rivulet --help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0    success (tail: the stream was closed)
  1    usage: bad arguments or input, or a request the server refused as invalid
       (USAGE, INVALID_ARGUMENT, INPUT, BAD_REQUEST, PAYLOAD_TOO_LARGE), or one the
       server lacks the extension for (UNSUPPORTED); serve could not listen on
       --host/--port (CANNOT_LISTEN); also INTERNAL, a bug in rivulet;
       sub: INVALID_SUBSCRIPTION, WEBHOOK_URL_REJECTED, WEBHOOK_URL_TOO_LONG,
       PATTERN_TOO_COMPLEX, TOO_MANY_SUBSCRIPTION_STREAMS, INVALID_ACK
  2    not found: no such stream or subscription, or it is gone (NOT_FOUND, GONE);
       topics and groups: TOPIC_NOT_FOUND, PARTITION_NOT_FOUND, GROUP_NOT_FOUND;
       context: CONTEXT_NOT_FOUND
  3    conflict: exists with another configuration, content type mismatch, stream
       closed, producer fenced or out of sequence, tail not where expected
       (ALREADY_EXISTS, CONFIG_CONFLICT, STREAM_CLOSED, STALE_EPOCH, SEQUENCE_GAP,
       SEQUENCE_CONFLICT, TAIL_MISMATCH); sub: SUBSCRIPTION_EXISTS, FENCED,
       ALREADY_CLAIMED; topics and groups: TOPIC_EXISTS, GROUP_NOT_EMPTY (a reset
       or delete while members are active), OFFSET_REGRESSION; CONTEXT_EXISTS
  4    auth: UNAUTHORIZED, FORBIDDEN, WEBHOOK_REJECTED
  5    server or network: SERVER_ERROR, NETWORK, TIMEOUT, RATE_LIMITED, PARSE_ERROR,
       SUBSCRIPTION_LIMIT_REACHED; serve: the data directory is in use by another
       process (DATA_DIR_LOCKED); cluster up: PostgreSQL, a node or nginx did not
       start (CLUSTER_START_FAILED)
  6    damaged data directory: fsck found damage, or serve refused to start (DATA_CORRUPTED)
  7    fsck --repair repaired damage (its report says what was dropped)
  8    consume -- <command>: the command exited non-zero for a record, which was
       not committed (COMMAND_FAILED)
  130  interrupted (Ctrl-C)`;
