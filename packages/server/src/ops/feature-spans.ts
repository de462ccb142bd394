/**
 * Spans of work features do (a transaction's atomic write, a group's rebalance, a webhook
 * delivery), through FeatureHost.tracing: nothing at all when the server traces nothing. A
 * span is a child of the request that caused the work when there is one, else a root of its
 * own (work the server starts by itself: a session expiry, a wake). Failures mark the span an
 * error only when they are the server's (5xx or unexpected), as the request spans do.
 */
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  type SpanKind,
  SpanStatusCode,
} from "@opentelemetry/api";
import { ProtocolError } from "@rivulet/protocol";
import type { HttpRequest } from "../http/exchange.js";
import type { FeatureTracing } from "./tracing.js";

export interface SpanStart {
  readonly name: string;
  /** The request that caused the work, if any. */
  readonly request?: HttpRequest | undefined;
  readonly attributes?: Attributes;
  readonly kind?: SpanKind;
}

export function startFeatureSpan(tracing: FeatureTracing | undefined, start: SpanStart): Span | undefined {
  if (!tracing) return undefined;
  const parent: Context = start.request ? tracing.contextOf(start.request) : ROOT_CONTEXT;
  return tracing.tracer.startSpan(
    start.name,
    { attributes: start.attributes ?? {}, ...(start.kind === undefined ? {} : { kind: start.kind }) },
    parent,
  );
}

/** Ends the span; with `error`, records its code and, for the server's own failures, an error status. */
export function endFeatureSpan(span: Span | undefined, error?: unknown): void {
  if (!span) return;
  if (error !== undefined) {
    const code = error instanceof ProtocolError ? error.code : undefined;
    if (code !== undefined) span.setAttribute("rivulet.error.code", code);
    if (!(error instanceof ProtocolError) || error.status >= 500) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: code ?? String(error) });
    }
  }
  span.end();
}
