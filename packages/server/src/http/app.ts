/**
 * The protocol application: matches a request to a route (routing/), admits it (guards.ts:
 * rate limits, path rules, access control, stream and connection caps), runs its handler,
 * applies the middleware (CORS, security headers, request id), instruments it (logs and
 * metrics), and turns errors into replies. Stream operations, operator endpoints and every
 * feature under features/ are routes on one table. Transport-free; adapters wrap it.
 */
import { type ErrorCode, ProtocolError } from "@rivulet/protocol";
import { Capabilities, STREAM_EXTENSIONS } from "../capabilities.js";
import { clusterChangeFeed } from "../cluster/change-feed/default-feed.js";
import { clusterLiveFeature } from "../cluster/change-feed/live-feature.js";
import { isFenceable } from "../cluster/leases/fence.js";
import { ClusterNode, NODE_HEADER } from "../cluster/node.js";
import { Engine } from "../engine/engine.js";
import type { Feature, ServiceKey } from "../feature.js";
import { builtInFeatures } from "../features/index.js";
import { type Logger, silentLogger } from "../ops/logger.js";
import { ServerMetrics } from "../ops/metrics.js";
import { storeObserver } from "../ops/store-events.js";
import { RequestTracing, routeLabel, streamOf } from "../ops/tracing.js";
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
import { GuardedSink, type SessionWatch, type SlowReaderPolicy } from "./middleware/slow-reader.js";
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
  /** Present only when the server was given a tracer: no tracing, no cost. */
  readonly tracing: RequestTracing | undefined;
  /** What features offer each other (FeatureHost.provide), by key name. */
  private readonly services = new Map<string, { readonly value: unknown; readonly builtIn: boolean }>();
  /** The protocol extensions this server supports (GET {base}/__ds/capabilities). */
  readonly capabilities = new Capabilities();
  /** Present in cluster mode: the lease, the singleton features' work, forwarding. */
  readonly cluster: ClusterNode | undefined;

  constructor({ features = [], tracing, cluster, ...options }: ServerOptions = {}) {
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
    this.tracing = tracing ? new RequestTracing(tracing) : undefined;
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
      verifyReads: cluster !== undefined,
      onListenerError: (error, event) =>
        logger.error({ err: describeError(error), event: event.type, path: event.path }, "event listener failed"),
    });
    this.metrics = this.options.metrics
      ? new ServerMetrics({ streams: () => this.engine.streamCount, storedBytes: () => store.storedBytes?.() })
      : undefined;
    store.observe?.(storeObserver(this.metrics, logger));
    this.lifecycle = new Lifecycle(this.engine);
    // With a database the node competes for the lease; without one (nodes sharing an in-process
    // store in tests) it runs the singleton features itself.
    this.cluster =
      cluster?.database !== undefined ? new ClusterNode(cluster, logger, this.options.maxBodyBytes) : undefined;
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
    const changeFeed = cluster && clusterChangeFeed(cluster, this.cluster?.nodeId);
    if (changeFeed) this.install(clusterLiveFeature({ ...cluster, changeFeed }), true);
    for (const feature of builtInFeatures) this.install(feature, true);
    for (const feature of features) this.install(feature, false);
    if (this.cluster) this.joinCluster(this.cluster, store);
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
    this.tracing?.start(request);
    const done: Done = { operation: "not-found", started, route: undefined, admission: undefined, error: undefined };
    let result: HttpReply;
    try {
      if (request.method === "OPTIONS") {
        done.operation = "preflight";
        this.guards.admitPreflight(request);
        result = this.cors.preflight(request);
      } else {
        const match = this.router.match(request);
        const route = match.kind === "route" ? match.route : undefined;
        done.route = route;
        if (route) done.operation = route.operation;
        else if (match.kind === "method" && !match.reserved) done.operation = "bad-method";
        const params = match.kind === "route" ? match.params : {};
        const admitted = this.guards.admit(route, request, params);
        done.admission = admitted instanceof Promise ? await admitted : admitted;
        if (!route) throw unrouted(request, match.kind === "method" && !match.reserved ? match.allowed : undefined);
        result = await route.handle(request, this.context, params);
      }
    } catch (error) {
      done.error = error;
      result = this.failure(error, request, done.operation);
    }
    this.decorate(request, result, done.operation === "preflight");
    if (result.stream) {
      result.stream = this.trackSession(result.stream, request, done);
    } else {
      done.admission?.release?.();
      this.finish(request, done, result.status, result);
    }
    return result;
  }

  /**
   * CORS, security headers, request id, cluster node. What is the same for every request goes
   * into a reply's shared headers once (a fan-out's waiters share them), the rest per reply.
   */
  private decorate(request: HttpRequest, result: HttpReply, preflight: boolean): void {
    const shared = result.shared;
    const decorating = shared !== undefined && !shared.decorated;
    if (decorating) {
      shared.decorated = true;
      const common: Record<string, string> = {};
      this.commonHeaders(common, false, undefined);
      for (const [name, value] of Object.entries(common)) shared.set(name, value);
    }
    const headers = result.headers;
    if (!shared) this.commonHeaders(headers, preflight, request);
    if (!preflight) this.cors.decorateOwn(request, headers);
    headers["x-request-id"] = request.id;
    if (result.stream) this.cors.narrowExposed(headers);
    // Every reply of a shared answer carries the same header names (its own ones differ only
    // in value), so the first reply's names are all of them.
    else if (decorating) this.cors.narrowSharedExposed(shared, headers);
  }

  /** The headers every reply of this app carries (CORS ones: see Cors.decorateCommon). */
  private commonHeaders(headers: Record<string, string>, preflight: boolean, request: HttpRequest | undefined): void {
    if (!preflight) this.cors.decorateCommon(headers, request);
    addSecurityHeaders(headers);
    if (this.cluster) headers[NODE_HEADER] = this.cluster.nodeId;
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

  /**
   * Leasing starts once everything else has opened; at shutdown (hooks run in reverse) the
   * owned work stops first. The store, when it can, refuses feature-state writes from a node
   * whose lease has moved on.
   */
  private joinCluster(cluster: ClusterNode, store: Store): void {
    if (isFenceable(store)) store.fenceInternalWrites(cluster, `${this.options.basePath}/${RESERVED_SEGMENT}/`);
    this.lifecycle.onOpen(() => cluster.open());
    this.lifecycle.onClose(() => cluster.close());
  }

  private install(feature: Feature, builtIn: boolean): void {
    // A singleton feature's work runs where the lease is, and its routes are served there.
    const owned = feature.singleton ? this.cluster : undefined;
    feature.setup({
      engine: this.engine,
      capabilities: this.capabilities,
      options: this.options,
      logger: this.logger,
      metrics: this.metrics,
      tracing: this.tracing,
      route: (route: RouteSpec) => this.router.add(owned ? owned.place(route) : route),
      onOpen: (hook) => (owned ? owned.work.onOpen(hook) : this.lifecycle.onOpen(hook)),
      onClose: (hook) => (owned ? owned.work.onClose(hook) : this.lifecycle.onClose(hook)),
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
  private trackSession(start: (sink: ReplySink) => void, request: HttpRequest, done: Done) {
    this.metrics?.liveOpened("sse");
    this.logger.info({ reqId: request.id, op: "sse", path: request.path }, "sse session started");
    return (sink: ReplySink) => {
      const session = new TrackedSession(this, request, done);
      start(new GuardedSink(sink, session, session));
    };
  }

  /** An SSE session ended: its slot, gauge, log line and span. @internal */
  sessionEnded(request: HttpRequest, done: Done, written: number | undefined): void {
    done.admission?.release?.();
    this.metrics?.liveClosed("sse");
    this.finish(request, { ...done, operation: "sse" }, 200, written === undefined ? undefined : { bytes: written });
  }

  /** Counts, logs and traces a finished request; `sent` is its reply, or the bytes of an SSE session. */
  private finish(request: HttpRequest, done: Done, status: number, sent: Sent): void {
    const seconds = (performance.now() - done.started) / 1000;
    const { operation } = done;
    this.metrics?.observeRequest(operation, status, seconds);
    if (operation === "append" && status < 300) this.metrics?.observeAppend(request.bodyBytes);
    if (this.logger.isLevelEnabled?.("info") !== false) this.logRequest(request, done, status, seconds, sent);
    if (this.tracing) this.trace(this.tracing, request, done, status, sent);
    this.lifecycle.end();
  }

  private logRequest(request: HttpRequest, done: Done, status: number, seconds: number, sent: Sent): void {
    const { operation } = done;
    const principal = done.admission?.principal;
    const commitWaitMs = sent && "status" in sent ? sent.commitWaitMs : undefined;
    // The principal is a configured id or a JWT's issuer and subject, never the credential.
    this.logger.info(
      {
        reqId: request.id,
        op: operation,
        method: request.method,
        path: safePath(request),
        status,
        ms: seconds * 1000,
        ...(commitWaitMs === undefined ? {} : { commitMs: commitWaitMs }),
        ...(principal === undefined ? {} : { principal }),
      },
      "request",
    );
  }

  private trace(tracing: RequestTracing, request: HttpRequest, done: Done, status: number, sent: Sent): void {
    const reply = sent && "status" in sent ? sent : undefined;
    tracing.end(request, {
      operation: done.operation,
      route: done.route && routeLabel(done.route, this.options.basePath),
      stream: done.route && streamOf(done.route, request),
      status,
      requestBytes: request.bodyBytes,
      responseBytes: reply
        ? reply.body?.reduce((n, part) => n + part.length, 0)
        : sent && "bytes" in sent
          ? sent.bytes
          : undefined,
      commitWaitMs: reply?.commitWaitMs,
      errorCode: done.error === undefined ? undefined : errorCode(done.error),
    });
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

/** What is known of a request by the time it ends: for its log line, metrics and span. */
interface Done {
  operation: string;
  readonly started: number;
  route: RouteSpec | undefined;
  admission: Admission | undefined;
  error: unknown;
}

/** A finished request's reply, or the bytes an SSE session sent (counted only when traced). */
type Sent = HttpReply | { readonly bytes: number } | undefined;

function errorCode(error: unknown): string {
  return error instanceof ProtocolError ? error.code : "INTERNAL";
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** One SSE session's bookkeeping, as one object: its slow-reader policy and its end. */
class TrackedSession implements SlowReaderPolicy, SessionWatch {
  written: number | undefined;

  constructor(
    private readonly app: ProtocolApp,
    private readonly request: HttpRequest,
    private readonly done: Done,
  ) {
    // Bytes are counted for spans only: no tracing, no counting.
    if (app.tracing !== undefined) this.written = 0;
  }

  get timeoutMs(): number {
    return this.app.options.slowReaderTimeoutMs;
  }

  get maxBufferedBytes(): number {
    // One event is at most a chunk, base64 adds a third; four chunks is never legitimate.
    return Math.max(4 * this.app.options.chunkBytes, 4 << 20);
  }

  onCut(): void {
    this.app.slowReaderCut("sse", this.request);
  }

  ended(): void {
    this.app.sessionEnded(this.request, this.done, this.written);
  }
}
