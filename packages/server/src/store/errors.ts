/**
 * What stores throw, as types the engine maps to stable protocol codes (never by message).
 * Every one says which file and where, so an operator can act on the log line alone.
 */

/** The disk is full: the engine answers 507 with Retry-After, and nothing acknowledged is lost. */
export class StoreFullError extends Error {
  readonly code = "INSUFFICIENT_STORAGE";

  constructor(message = "No space left on the storage device", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreFullError";
  }
}

/** The process is out of file descriptors even after closing idle files: retry shortly (503). */
export class StoreBusyError extends Error {
  constructor(message = "Out of file descriptors", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreBusyError";
  }
}

/** Stored bytes failed their checksum. They are never served; the read fails with DATA_CORRUPTED. */
export class StoreCorruptionError extends Error {
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
}

/**
 * The store cannot open without guessing: a damaged log record followed by intact ones, or no
 * intact checkpoint and no complete log. Nothing was changed; `rivulet fsck` says more.
 */
export class StoreDamagedError extends Error {
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
