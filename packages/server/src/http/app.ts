/**
 * The protocol application: matches a request to a route (routing/), admits it (guards.ts:
 * rate limits, path rules, access control, stream and connection caps), runs its handler,
 * applies the middleware (CORS, security headers, request id), instruments it (logs and
 * metrics), and turns errors into replies. Stream operations, operator endpoints and every
 * feature under features/ are routes on one table. Transport-free; adapters wrap it.
 */
import { type ErrorCode, ProtocolError } from "@rivulet/protocol";
import { Capabilities, STREAM_EXTENSIONS } from "../capabilities.js";
import { Engine } from "../engine/engine.js";
import type { Feature, ServiceKey } from "../feature.js";
import { builtInFeatures } from "../features/index.js";
import { type Logger, silentLogger } from "../ops/logger.js";
import { ServerMetrics } from "../ops/metrics.js";
import { storeObserver } from "../ops/store-events.js";
import { DEFAULTS, type ResolvedOptions } from "../options.js";
import type { ServerOptions } from "../server-options.js";
import { MemoryStore } from "../store/memory-store.js";
import type { Store } from "../store/types.js";
import type { Context } from "./context.js";
import { describeError, errorReply, isServerFault, REFUSALS } from "./error-reply.js";
import type { HttpReply, HttpRequest, ReplySink } from "./exchange.js";
import { type Admission, Guards } from "./guards.js";
import { Lifecycle } from "./lifecycle.js";
import { Cors } from "./middleware/cors.js";
import { addSecurityHeaders } from "./middleware/security.js";
import { guardSlowReader } from "./middleware/slow-reader.js";
import { opsRoutes } from "./routes/ops-routes.js";
import { streamRoutes } from "./routes/stream-routes.js";
import type { RouteSpec } from "./routing/route.js";
import { RESERVED_SEGMENT, Router } from "./routing/router.js";

export { errorReply };

export class ProtocolApp {
  readonly engine: Engine;
  readonly options: ResolvedOptions;
  readonly metrics: ServerMetrics | undefined;
  readonly logger: Logger;
  private readonly context: Context;
  private readonly cors: Cors;
  private readonly guards: Guards;
  private readonly router: Router;
  private readonly lifecycle: Lifecycle;
  /** What features offer each other (FeatureHost.provide), by key name. */
  private readonly services = new Map<string, { readonly value: unknown; readonly builtIn: boolean }>();
  /** The protocol extensions this server supports (GET {base}/__ds/capabilities). */
  readonly capabilities = new Capabilities();

  constructor({ features = [], ...options }: ServerOptions = {}) {
    const store: Store = options.store ?? new MemoryStore();
    const logger = options.logger ?? silentLogger;
    this.options = {
      ...DEFAULTS,
      ...definedOnly(options),
      store,
      logger,
      clock: options.clock ?? Date.now,
      auth: options.auth,
      publicUrl: options.publicUrl,
      subscriptions: options.subscriptions,
      topics: options.topics,
      groups: options.groups,
      transactions: options.transactions,
      rateLimitPerClientBurst: options.rateLimitPerClientBurst,
      rateLimitPerTokenBurst: options.rateLimitPerTokenBurst,
    };
    this.options.basePath = this.options.basePath.replace(/\/+$/, "");
    this.logger = logger;
    this.engine = new Engine({
      store,
      now: this.options.clock,
      producerReorderWaitMs: this.options.producerReorderWaitMs,
      defaultRetention: {
        ...(this.options.retentionMs > 0 ? { ms: this.options.retentionMs } : {}),
        ...(this.options.retentionBytes > 0 ? { bytes: this.options.retentionBytes } : {}),
      },
      // Features keep their state in streams under the reserved segment, which no client route reaches.
      internalPrefix: `${this.options.basePath}/${RESERVED_SEGMENT}/`,
      onListenerError: (error, event) =>
        logger.error({ err: describeError(error), event: event.type, path: event.path }, "event listener failed"),
    });
    this.metrics = this.options.metrics
      ? new ServerMetrics({ streams: () => this.engine.streamCount, storedBytes: () => store.storedBytes?.() })
      : undefined;
    store.observe?.(storeObserver(this.metrics, logger));
    this.lifecycle = new Lifecycle(this.engine, this.options.sweepIntervalMs);
    this.context = {
      engine: this.engine,
      options: this.options,
      logger,
      metrics: this.metrics,
      readiness: () => this.lifecycle.readiness(store),
    };
    this.cors = new Cors(this.options.corsOrigins);
    this.guards = new Guards(this.options, this.engine);
    this.router = new Router(this.options.basePath);
    for (const route of [...opsRoutes, ...streamRoutes]) this.router.add(route);
    for (const [name, version] of Object.entries(STREAM_EXTENSIONS)) this.capabilities.declare(name, version);
    for (const feature of builtInFeatures) this.install(feature, true);
    for (const feature of features) this.install(feature, false);
  }

  /** Opens the store (recovery), starts reclaiming expired streams, then starts the features. */
  open(): Promise<void> {
    return this.lifecycle.open();
  }

  /**
   * Graceful stop, step one: waiting long-polls answer 204, SSE sessions end cleanly, and new
   * live reads answer at once. Then wait (up to `timeoutMs`) for in-flight requests, such as
   * appends being made durable, to finish.
   */
  drain(timeoutMs: number): Promise<void> {
    return this.lifecycle.drain(timeoutMs);
  }

  /** Stops the features and closes the store (a clean checkpoint for the file store). */
  close(): Promise<void> {
    return this.lifecycle.close(this.options.store);
  }

  async handle(request: HttpRequest): Promise<HttpReply> {
    const started = performance.now();
    this.lifecycle.begin();
    let operation = "not-found";
    let admission: Admission | undefined;
    let result: HttpReply;
    try {
      if (request.method === "OPTIONS") {
        operation = "preflight";
        this.guards.admitPreflight(request);
        result = this.cors.preflight(request);
      } else {
        const match = this.router.match(request);
        const route = match.kind === "route" ? match.route : undefined;
        if (route) operation = route.operation;
        else if (match.kind === "method" && !match.reserved) operation = "bad-method";
        const params = match.kind === "route" ? match.params : {};
        const admitted = this.guards.admit(route, request, params);
        admission = admitted instanceof Promise ? await admitted : admitted;
        if (!route) throw unrouted(request, match.kind === "method" && !match.reserved ? match.allowed : undefined);
        result = await route.handle(request, this.context, params);
      }
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

  private install(feature: Feature, builtIn: boolean): void {
    feature.setup({
      engine: this.engine,
      capabilities: this.capabilities,
      options: this.options,
      logger: this.logger,
      metrics: this.metrics,
      route: (route: RouteSpec) => this.router.add(route),
      onOpen: (hook) => this.lifecycle.onOpen(hook),
      onClose: (hook) => this.lifecycle.onClose(hook),
      onDrain: (hook) => this.lifecycle.onDrain(hook),
      readiness: (check) => this.lifecycle.addCheck(check),
      capability: (name, version) => this.capabilities.declare(name, version),
      provide: (key, value) => {
        // An embedder's feature may replace what a built-in one offers (its own topic directory, say).
        const offered = this.services.get(key.name);
        if (offered && (builtIn || !offered.builtIn))
          throw new Error(`${feature.name}: ${key.name} is already offered`);
        this.services.set(key.name, { value, builtIn });
      },
      lookup: <T>(key: ServiceKey<T>) => this.services.get(key.name)?.value as T | undefined,
    });
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

  private finish(
    operation: string,
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
    this.lifecycle.end();
  }

  private failure(error: unknown, request: HttpRequest, operation: string): HttpReply {
    const reply = errorReply(error);
    if (error instanceof ProtocolError && REFUSALS.has(error.code)) this.metrics?.rejected(error.code);
    if (isServerFault(error, reply.status)) {
      const cause = error instanceof ProtocolError ? error.cause : error;
      this.logger.error({ reqId: request.id, op: operation, err: describeError(cause) }, "request failed");
    }
    return reply;
  }
}

/**
 * No route serves the request: a path served with other methods is 405 with what it allows (and
 * CORS preflights); anything else, the reserved `__ds` namespace included, is 404.
 */
function unrouted(request: HttpRequest, allowed: readonly string[] | undefined): ProtocolError {
  if (allowed) {
    return new ProtocolError("METHOD_NOT_ALLOWED", `Method ${request.method} is not supported here`, {
      allow: [...allowed, "OPTIONS"].join(", "),
    });
  }
  return new ProtocolError("STREAM_NOT_FOUND", `No stream route at ${request.path}`);
}

/** The path for logs; an undecodable one is logged as such rather than throwing again. */
function safePath(request: HttpRequest): string {
  try {
    return request.path;
  } catch {
    return "(invalid path)";
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
