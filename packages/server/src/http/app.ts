/**
 * The protocol application: routes a request to its handler, applies the middleware (CORS,
 * security headers), and turns errors into replies. Transport-free; adapters wrap it.
 */
import { Header, ProtocolError } from "@rivulet/protocol";
import { Engine } from "../engine/engine.js";
import { DEFAULTS, type ResolvedOptions, type ServerOptions } from "../options.js";
import { MemoryStore } from "../store/memory-store.js";
import type { Context } from "./context.js";
import type { HttpReply, HttpRequest } from "./exchange.js";
import { handleAppend } from "./handlers/append.js";
import { handleCreate } from "./handlers/create.js";
import { handleDelete } from "./handlers/delete.js";
import { handleFork } from "./handlers/fork.js";
import { handleHead } from "./handlers/head.js";
import { handleLongPoll } from "./handlers/long-poll.js";
import { handleRead } from "./handlers/read.js";
import { handleSse } from "./handlers/sse.js";
import { Cors } from "./middleware/cors.js";
import { addSecurityHeaders } from "./middleware/security.js";

/** PROTOCOL §6: the first stream-root-relative segment `__ds` is reserved for control APIs. */
const RESERVED_SEGMENT = "__ds";

export class ProtocolApp {
  readonly engine: Engine;
  readonly options: ResolvedOptions;
  private readonly context: Context;
  private readonly cors: Cors;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(options: ServerOptions = {}) {
    const store = options.store ?? new MemoryStore();
    this.options = { ...DEFAULTS, ...definedOnly(options), store };
    this.options.basePath = this.options.basePath.replace(/\/+$/, "");
    this.engine = new Engine({ store, producerReorderWaitMs: this.options.producerReorderWaitMs });
    this.context = { engine: this.engine, options: this.options };
    this.cors = new Cors(this.options.corsOrigins);
  }

  /** Opens the store (recovery) and starts reclaiming expired streams. */
  async open(): Promise<void> {
    await this.engine.open();
    this.sweeper = setInterval(() => this.engine.sweepExpired(), this.options.sweepIntervalMs);
    this.sweeper.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.options.store.close();
  }

  async handle(request: HttpRequest): Promise<HttpReply> {
    let result: HttpReply;
    if (request.method === "OPTIONS") {
      result = this.cors.preflight(request);
    } else {
      try {
        result = await this.route(request);
      } catch (error) {
        result = errorReply(error);
      }
      this.cors.decorate(request, result);
    }
    addSecurityHeaders(result);
    return result;
  }

  private route(request: HttpRequest): Promise<HttpReply> {
    const { basePath } = this.options;
    const path = request.path;
    if (!(path.startsWith(`${basePath}/`) && path.length > basePath.length + 1)) {
      throw new ProtocolError("STREAM_NOT_FOUND", `No stream route at ${path}`);
    }
    const firstSegment = path.slice(basePath.length + 1).split("/", 1)[0];
    if (firstSegment === RESERVED_SEGMENT) {
      throw new ProtocolError("STREAM_NOT_FOUND", "This control API is not available");
    }
    switch (request.method) {
      case "PUT":
        if (request.header(Header.forkedFrom) !== undefined) return handleFork(request, this.context);
        if (request.header(Header.forkOffset) !== undefined || request.header(Header.forkSubOffset) !== undefined) {
          throw new ProtocolError(
            "BAD_REQUEST",
            "Stream-Fork-Offset and Stream-Fork-Sub-Offset need Stream-Forked-From",
          );
        }
        return handleCreate(request, this.context);
      case "POST":
        return handleAppend(request, this.context);
      case "GET":
        return this.routeRead(request);
      case "HEAD":
        return handleHead(request, this.context);
      case "DELETE":
        return handleDelete(request, this.context);
      default:
        throw new ProtocolError("METHOD_NOT_ALLOWED", `Method ${request.method} is not supported`, {
          allow: "GET, HEAD, POST, PUT, DELETE, OPTIONS",
        });
    }
  }

  private routeRead(request: HttpRequest): Promise<HttpReply> {
    const live = request.query.get("live");
    if (live === null) return handleRead(request, this.context);
    if (live === "long-poll") return handleLongPoll(request, this.context);
    if (live === "sse") return handleSse(request, this.context);
    throw new ProtocolError("INVALID_LIVE_MODE", `Unknown live mode: ${JSON.stringify(live)}`);
  }
}

const encoder = new TextEncoder();

export function errorReply(error: unknown): HttpReply {
  const failure =
    error instanceof ProtocolError
      ? error
      : new ProtocolError("INTERNAL", "Internal server error", {}, { cause: error });
  if (failure.status >= 500) reportInternal(failure);
  return {
    status: failure.status,
    headers: { ...failure.headers, [Header.contentType]: "application/json" },
    body: [encoder.encode(JSON.stringify(failure.toBody()))],
  };
}

function reportInternal(error: ProtocolError): void {
  if (error.code === "INSUFFICIENT_STORAGE") return;
  console.error(`[rivulet] ${error.code}:`, error.cause ?? error);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
