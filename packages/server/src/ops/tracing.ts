/**
 * Request tracing through `@opentelemetry/api`: one server span per request, from admission to
 * the reply (to the end of the session for SSE), child of the client's span when its request
 * carries a `traceparent` (W3C Trace Context, read by the propagator). Only exists when the
 * server is given a tracer: without one the app holds no RequestTracing and pays nothing.
 * Features add spans of their own with `FeatureHost.tracing` (docs/dashboard.md, "Tracing").
 */
import {
  type Context as OtelContext,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapPropagator,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { HttpRequest } from "../http/exchange.js";
import type { RouteSpec } from "../http/routing/route.js";

export interface TracingOptions {
  readonly tracer: Tracer;
  /**
   * Reads a parent span from request headers. Default: the propagator registered with
   * `@opentelemetry/api` (the SDK registers W3C Trace Context), none if nothing registered one.
   */
  readonly propagator?: TextMapPropagator;
}

/** What features get: the tracer, and the context of a request's span to parent their own spans on. */
export interface FeatureTracing {
  readonly tracer: Tracer;
  /** The context holding the span of `request` (the root context for a request without one). */
  contextOf(request: HttpRequest): OtelContext;
  /**
   * Headers that make `span` the parent of what another service does for it (W3C
   * `traceparent`, by the propagator): for requests the server sends, such as webhooks.
   */
  headersFor(span: Span): Record<string, string>;
}

/** How a request ended, for its span. */
export interface RequestOutcome {
  readonly operation: string;
  readonly route: string | undefined;
  readonly stream: string | undefined;
  readonly status: number;
  readonly requestBytes: number;
  readonly responseBytes: number | undefined;
  readonly commitWaitMs: number | undefined;
  readonly errorCode: string | undefined;
}

const headerGetter: TextMapGetter<HttpRequest> = {
  get: (request, key) => request.header(key),
  keys: () => [],
};

export class RequestTracing implements FeatureTracing {
  readonly tracer: Tracer;
  private readonly propagator: Pick<TextMapPropagator, "extract" | "inject">;
  private readonly spans = new WeakMap<HttpRequest, Span>();

  constructor(options: TracingOptions) {
    this.tracer = options.tracer;
    this.propagator = options.propagator ?? propagation;
  }

  /** Starts the request's span (its name becomes the operation once the route is known). */
  start(request: HttpRequest): void {
    const parent = this.propagator.extract(ROOT_CONTEXT, request, headerGetter);
    const span = this.tracer.startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": request.method,
          "url.path": safePath(request),
          "rivulet.request_id": request.id,
          ...(request.remoteAddress === undefined ? {} : { "client.address": request.remoteAddress }),
        },
      },
      parent,
    );
    this.spans.set(request, span);
  }

  contextOf(request: HttpRequest): OtelContext {
    const span = this.spans.get(request);
    return span ? trace.setSpan(ROOT_CONTEXT, span) : ROOT_CONTEXT;
  }

  headersFor(span: Span): Record<string, string> {
    const headers: Record<string, string> = {};
    this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, {
      set: (carrier, key, value) => {
        carrier[key] = value;
      },
    });
    return headers;
  }

  end(request: HttpRequest, outcome: RequestOutcome): void {
    const span = this.spans.get(request);
    if (!span) return;
    this.spans.delete(request);
    span.updateName(outcome.operation);
    span.setAttributes({
      "rivulet.operation": outcome.operation,
      "http.response.status_code": outcome.status,
      "http.request.body.size": outcome.requestBytes,
      ...(outcome.route === undefined ? {} : { "http.route": outcome.route }),
      ...(outcome.stream === undefined ? {} : { "rivulet.stream": outcome.stream }),
      ...(outcome.responseBytes === undefined ? {} : { "http.response.body.size": outcome.responseBytes }),
      ...(outcome.commitWaitMs === undefined ? {} : { "rivulet.commit_wait_ms": outcome.commitWaitMs }),
      ...(outcome.errorCode === undefined ? {} : { "rivulet.error.code": outcome.errorCode }),
    });
    // OpenTelemetry HTTP conventions: a server span is an error for 5xx, not for the client's 4xx.
    if (outcome.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.errorCode ?? "" });
    span.end();
  }
}

/** The route as a span's `http.route`: absolute, or under the base path (`{stream}` for stream paths). */
export function routeLabel(route: RouteSpec, basePath: string): string {
  if (route.path.startsWith("/")) return route.path;
  return `${basePath}/${route.path === "**" ? "{stream}" : route.path}`;
}

/** The stream a request works on, for a span: the first path its route names. */
export function streamOf(route: RouteSpec, request: HttpRequest): string | undefined {
  try {
    return route.streamPaths?.(request)[0];
  } catch {
    return undefined; // a path that does not decode names no stream
  }
}

/** UTF-8 bytes of a string without an encoder (SSE sessions count what they send only when traced). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function safePath(request: HttpRequest): string {
  try {
    return request.path;
  } catch {
    return "(invalid path)";
  }
}
