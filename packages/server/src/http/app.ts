/**
 * The protocol application: classifies a request (operation.ts), admits it (guards.ts: rate
 * limits, path rules, access control, stream and connection caps), routes it to its handler,
 * applies the middleware (CORS, security headers, request id), instruments it (logs and
 * metrics), and turns errors into replies. Transport-free; adapters wrap it.
 */
import { type ErrorCode, Header, ProtocolError } from "@rivulet/protocol";
import { Engine } from "../engine/engine.js";
import { type Logger, silentLogger } from "../ops/logger.js";
import { ServerMetrics } from "../ops/metrics.js";
import { storeObserver } from "../ops/store-events.js";
import { DEFAULTS, type ResolvedOptions, type ServerOptions } from "../options.js";
import { MemoryStore } from "../store/memory-store.js";
import type { Store } from "../store/types.js";
import type { Context } from "./context.js";
import type { HttpReply, HttpRequest, ReplySink } from "./exchange.js";
import { type Admission, Guards } from "./guards.js";
import { handleAppend } from "./handlers/append.js";
import { handleCreate } from "./handlers/create.js";
import { handleDelete } from "./handlers/delete.js";
import { handleFork } from "./handlers/fork.js";
import { handleHead } from "./handlers/head.js";
import { handleList } from "./handlers/list.js";
import { handleLongPoll } from "./handlers/long-poll.js";
import { handleHealth, handleMetrics, handleReady } from "./handlers/ops.js";
import { handleRead } from "./handlers/read.js";
import { handleSse } from "./handlers/sse.js";
import { Cors } from "./middleware/cors.js";
import { addSecurityHeaders } from "./middleware/security.js";
import { guardSlowReader } from "./middleware/slow-reader.js";
import { type Operation, operationOf } from "./operation.js";

export class ProtocolApp {
  readonly engine: Engine;
  readonly options: ResolvedOptions;
  readonly metrics: ServerMetrics | undefined;
  readonly logger: Logger;
  private readonly context: Context;
  private readonly cors: Cors;
  private readonly guards: Guards;
  private sweeper: NodeJS.Timeout | undefined;
  private opened = false;
  /** Requests being handled plus SSE sessions streaming; shutdown waits for zero. */
  private active = 0;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(options: ServerOptions = {}) {
    const store: Store = options.store ?? new MemoryStore();
    const logger = options.logger ?? silentLogger;
    this.options = {
      ...DEFAULTS,
      ...definedOnly(options),
      store,
      logger,
      auth: options.auth,
      rateLimitPerClientBurst: options.rateLimitPerClientBurst,
      rateLimitPerTokenBurst: options.rateLimitPerTokenBurst,
    };
    this.options.basePath = this.options.basePath.replace(/\/+$/, "");
    this.logger = logger;
    this.engine = new Engine({ store, producerReorderWaitMs: this.options.producerReorderWaitMs });
    this.context = { engine: this.engine, options: this.options };
    this.cors = new Cors(this.options.corsOrigins);
    this.guards = new Guards(this.options, this.engine);
    this.metrics = this.options.metrics
      ? new ServerMetrics({ streams: () => this.engine.streamCount, storedBytes: () => store.storedBytes?.() })
      : undefined;
    store.observe?.(storeObserver(this.metrics, logger));
  }

  /** Opens the store (recovery) and starts reclaiming expired streams. */
  async open(): Promise<void> {
    await this.engine.open();
    this.sweeper = setInterval(() => this.engine.sweepExpired(), this.options.sweepIntervalMs);
    this.sweeper.unref();
    this.opened = true;
  }

  /**
   * Graceful stop, step one: waiting long-polls answer 204, SSE sessions end cleanly, and new
   * live reads answer at once. Then wait (up to `timeoutMs`) for in-flight requests, such as
   * appends being made durable, to finish.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.engine.beginShutdown();
    if (this.active === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Closes the store (a clean checkpoint for the file store). */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.options.store.close();
  }

  async handle(request: HttpRequest): Promise<HttpReply> {
    const started = performance.now();
    this.begin();
    let operation: Operation = "not-found";
    let admission: Admission | undefined;
    let result: HttpReply;
    try {
      operation = operationOf(request, this.options.basePath);
      const admitted = this.guards.admit(operation, request);
      admission = admitted instanceof Promise ? await admitted : admitted;
      result = await this.dispatch(operation, request);
    } catch (error) {
      result = this.failure(error, request, operation);
    }
    if (operation !== "preflight") this.cors.decorate(request, result);
    addSecurityHeaders(result);
    result.headers["x-request-id"] = request.id;
    if (result.stream) {
      result.stream = this.trackSession(result.stream, request, started, admission);
    } else {
      admission?.release?.();
      this.finish(operation, request, result.status, started, admission?.principal);
    }
    return result;
  }

  /** Counts a connection cut because its client stopped reading (adapters call it too). */
  slowReaderCut(mode: "sse" | "response", request: HttpRequest): void {
    this.metrics?.slowReaderCut(mode);
    this.logger.warn({ reqId: request.id, mode }, "slow reader disconnected");
  }

  /** Counts a request refused before it reached the app (node:http client errors). */
  rejected(code: ErrorCode): void {
    this.metrics?.rejected(code);
  }

  private dispatch(operation: Operation, request: HttpRequest): Promise<HttpReply> {
    const context = this.context;
    switch (operation) {
      case "preflight":
        return Promise.resolve(this.cors.preflight(request));
      case "create":
        if (request.header(Header.forkOffset) !== undefined || request.header(Header.forkSubOffset) !== undefined) {
          throw new ProtocolError(
            "BAD_REQUEST",
            "Stream-Fork-Offset and Stream-Fork-Sub-Offset need Stream-Forked-From",
          );
        }
        return handleCreate(request, context);
      case "fork":
        return handleFork(request, context);
      case "append":
        return handleAppend(request, context);
      case "read":
        if (request.query.has("live")) {
          throw new ProtocolError(
            "INVALID_LIVE_MODE",
            `Unknown live mode: ${JSON.stringify(request.query.get("live"))}`,
          );
        }
        return handleRead(request, context);
      case "long-poll":
        return this.tracked("long-poll", () => handleLongPoll(request, context));
      case "sse":
        return handleSse(request, context);
      case "head":
        return handleHead(request, context);
      case "delete":
        return handleDelete(request, context);
      case "list":
        return handleList(request, context);
      case "health":
        return handleHealth();
      case "ready":
        return handleReady(context, this.opened);
      case "metrics":
        return handleMetrics(this.metrics);
      case "bad-method":
        throw new ProtocolError("METHOD_NOT_ALLOWED", `Method ${request.method} is not supported here`, {
          allow: "GET, HEAD, POST, PUT, DELETE, OPTIONS",
        });
      case "not-found":
        throw new ProtocolError("STREAM_NOT_FOUND", `No stream route at ${request.path}`);
    }
  }

  /** Counts a long-poll as a live connection while it waits. */
  private async tracked(mode: "long-poll", work: () => Promise<HttpReply>): Promise<HttpReply> {
    this.metrics?.liveOpened(mode);
    try {
      return await work();
    } finally {
      this.metrics?.liveClosed(mode);
    }
  }

  /**
   * Keeps an SSE session counted (live gauge, live slot, shutdown wait) until its sink ends,
   * and holds its reader to the slow-reader rules.
   */
  private trackSession(
    start: (sink: ReplySink) => void,
    request: HttpRequest,
    started: number,
    admission: Admission | undefined,
  ) {
    this.metrics?.liveOpened("sse");
    this.logger.info({ reqId: request.id, op: "sse", path: request.path }, "sse session started");
    return (sink: ReplySink) => {
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        admission?.release?.();
        this.metrics?.liveClosed("sse");
        this.finish("sse", request, 200, started, admission?.principal);
      };
      sink.onClose(end);
      const guarded = guardSlowReader(sink, {
        timeoutMs: this.options.slowReaderTimeoutMs,
        // One event is at most a chunk, base64 adds a third; four chunks is never legitimate.
        maxBufferedBytes: Math.max(4 * this.options.chunkBytes, 4 << 20),
        onCut: () => this.slowReaderCut("sse", request),
      });
      start({
        write: (chunk) => guarded.write(chunk),
        end: () => {
          guarded.end();
          end();
        },
        abort: () => {
          guarded.abort();
          end();
        },
        get closed() {
          return guarded.closed;
        },
        get bufferedBytes() {
          return guarded.bufferedBytes;
        },
        onClose: (listener) => guarded.onClose(listener),
        drain: () => guarded.drain(),
      });
    };
  }

  private begin(): void {
    this.active++;
  }

  private finish(
    operation: Operation,
    request: HttpRequest,
    status: number,
    started: number,
    principal: string | undefined,
  ): void {
    const seconds = (performance.now() - started) / 1000;
    this.metrics?.observeRequest(operation, status, seconds);
    if (operation === "append" && status < 300) this.metrics?.observeAppend(request.bodyBytes);
    // The principal is a configured id or a JWT's issuer and subject, never the credential.
    this.logger.info(
      {
        reqId: request.id,
        op: operation,
        method: request.method,
        path: safePath(request),
        status,
        ms: seconds * 1000,
        ...(principal === undefined ? {} : { principal }),
      },
      "request",
    );
    this.active--;
    if (this.active === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private failure(error: unknown, request: HttpRequest, operation: Operation): HttpReply {
    const reply = errorReply(error);
    const refused = error instanceof ProtocolError && REFUSALS.has(error.code);
    if (refused) this.metrics?.rejected(error.code);
    if (reply.status >= 500 && !refused && !(error instanceof ProtocolError && STORE_REPORTED.has(error.code))) {
      const cause = error instanceof ProtocolError ? error.cause : error;
      this.logger.error({ reqId: request.id, op: operation, err: describeError(cause) }, "request failed");
    }
    return reply;
  }
}

const encoder = new TextEncoder();

/** Store conditions the store's own events log (with the file and position): not logged again per request. */
const STORE_REPORTED = new Set<ErrorCode>(["INSUFFICIENT_STORAGE", "TOO_MANY_OPEN_FILES", "DATA_CORRUPTED"]);

/** Codes of requests refused by a limit or by access control: counted, and never logged as failures. */
const REFUSALS = new Set<ErrorCode>([
  "UNAUTHORIZED",
  "FORBIDDEN",
  "RATE_LIMITED",
  "TOO_MANY_CONNECTIONS",
  "STREAM_LIMIT_REACHED",
  "PAYLOAD_TOO_LARGE",
  "MESSAGE_TOO_LARGE",
  "PATH_TOO_LONG",
  "INVALID_PATH",
  "REQUEST_TIMEOUT",
  "HEADERS_TOO_LARGE",
]);

/** The reply for an error: its status, the headers the spec requires, and `{error:{code,message}}`. */
export function errorReply(error: unknown): HttpReply {
  const failure =
    error instanceof ProtocolError
      ? error
      : new ProtocolError("INTERNAL", "Internal server error", {}, { cause: error });
  return {
    status: failure.status,
    headers: { ...failure.headers, [Header.contentType]: "application/json" },
    body: [encoder.encode(JSON.stringify(failure.toBody()))],
  };
}

/** The path for logs; an undecodable one is logged as such rather than throwing again. */
function safePath(request: HttpRequest): string {
  try {
    return request.path;
  } catch {
    return "(invalid path)";
  }
}

function describeError(error: unknown): object {
  return error instanceof Error
    ? { type: error.name, message: error.message, stack: error.stack }
    : { value: String(error) };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
