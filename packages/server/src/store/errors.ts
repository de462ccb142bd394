/**
 * What stores throw: StoreErrors whose `code` is a stable protocol error code, mapped to an
 * HTTP status by the one table in @rivulet/protocol (never by message). Every one says which
 * file or stream and where, so an operator can act on the log line alone.
 */
import type { ErrorCode } from "@rivulet/protocol";

export abstract class StoreError extends Error {
  abstract readonly code: ErrorCode;
  /** Seconds after which a retry may succeed, for codes where retrying helps. */
  readonly retryAfterSeconds: number | undefined = undefined;

  /** What a client is told; the full message (files, positions) is for the server's log. */
  get publicMessage(): string {
    return this.message;
  }
}

/** The disk is full: the engine answers 507 with Retry-After, and nothing acknowledged is lost. */
export class StoreFullError extends StoreError {
  readonly code = "INSUFFICIENT_STORAGE";
  override readonly retryAfterSeconds = 5;

  constructor(message = "No space left on the storage device", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreFullError";
  }
}

/** The process is out of file descriptors even after closing idle files: retry shortly (503). */
export class StoreBusyError extends StoreError {
  readonly code = "TOO_MANY_OPEN_FILES";
  override readonly retryAfterSeconds = 1;

  constructor(message = "The server is out of file descriptors; try again shortly", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreBusyError";
  }
}

/**
 * The database a shared store lives in cannot be reached now: it restarts, a connection was
 * lost or refused, or it did not answer in time. Retrying shortly helps (503 with Retry-After);
 * a write that failed this way may or may not have committed, so clients retry idempotently.
 */
export class StoreUnavailableError extends StoreError {
  readonly code = "STORE_UNAVAILABLE";
  override readonly retryAfterSeconds = 1;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }

  override get publicMessage(): string {
    return "The store's database cannot be reached now; try again shortly";
  }
}

/**
 * A write's expectation no longer holds: the stream already exists (`exists`), or its tail is
 * not the position the append names (`position`) because another server wrote first. The
 * engine re-reads the stream and decides again; nothing of the write was stored.
 */
export class StoreConflictError extends StoreError {
  readonly code = "STORE_CONFLICT";
  // Answered (503) only when deciding again kept meeting other servers' writes: soon is fine.
  override readonly retryAfterSeconds = 1;

  constructor(
    readonly path: string,
    readonly kind: "exists" | "position",
    message: string,
  ) {
    super(message);
    this.name = "StoreConflictError";
  }
}

/** The stream is not (or no longer) in the store: another server removed it. */
export class StoreMissingError extends StoreError {
  readonly code = "STREAM_NOT_FOUND";

  constructor(readonly path: string) {
    super(`Stream not found: ${path}`);
    this.name = "StoreMissingError";
  }
}

/**
 * A read reached below the stream's earliest retained position (retention or a trim moved it,
 * possibly while the read ran): nothing half-removed is served; the client is told where the
 * stream now starts (410 OFFSET_OUT_OF_RANGE).
 */
export class StoreTrimmedError extends StoreError {
  readonly code = "OFFSET_OUT_OF_RANGE";

  constructor(
    readonly path: string,
    /** The stream's earliest position now. */
    readonly earliest: number,
  ) {
    super(`Data of ${path} below position ${earliest} is no longer retained`);
    this.name = "StoreTrimmedError";
  }
}

/** Stored bytes failed their checksum. They are never served; the read fails with DATA_CORRUPTED. */
export class StoreCorruptionError extends StoreError {
  readonly code = "DATA_CORRUPTED";

  constructor(
    /** The damaged file, relative to the data directory. */
    readonly file: string,
    /** Byte offset of the damage in that file. */
    readonly position: number,
    message: string,
    /** The stream whose bytes these are, when known. */
    readonly stream?: string,
  ) {
    super(message);
    this.name = "StoreCorruptionError";
  }

  override get publicMessage(): string {
    return `Stored data failed its checksum at ${this.file} byte ${this.position}; it is not served`;
  }
}

/**
 * The store cannot open without guessing: a damaged log record followed by intact ones, or no
 * intact checkpoint and no complete log. Nothing was changed; `rivulet fsck` says more.
 */
export class StoreDamagedError extends StoreError {
  readonly code = "DATA_CORRUPTED";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreDamagedError";
  }
}

/** Another live process owns the data directory. */
export class DataDirLockedError extends Error {
  readonly code = "DATA_DIR_LOCKED";

  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`data directory ${dir} is in use by process ${pid}`);
    this.name = "DataDirLockedError";
  }
}
