/**
 * OpenTelemetry spans without depending on an OpenTelemetry package: the SDK speaks the small
 * part of `@opentelemetry/api`'s `Tracer` it uses, and takes a tracer from `new Kafka({ tracer })`
 * or else from the global tracer provider an application registered with `@opentelemetry/api`
 * (found through the API's own global registry, so nothing is imported and an application
 * without OpenTelemetry pays nothing).
 */

export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error): unknown;
  end(): void;
}

export interface TracerLike {
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: Record<string, string | number | boolean> },
  ): SpanLike;
}

/** `SpanKind.PRODUCER` and `SpanStatusCode.ERROR` of @opentelemetry/api. */
const PRODUCER = 3;
const ERROR = 2;
const API_GLOBAL = Symbol.for("opentelemetry.js.api.1");

type Registered = { trace?: { getTracer(name: string, version?: string): TracerLike } };

export class Tracing {
  constructor(private readonly explicit: TracerLike | undefined) {}

  /** The tracer to use now: the explicit one, else the application's global one, else none. */
  #tracer(): TracerLike | undefined {
    if (this.explicit !== undefined) return this.explicit;
    const registered = (globalThis as Record<symbol, Registered | undefined>)[API_GLOBAL];
    return registered?.trace?.getTracer("@rivulet/kafka");
  }

  /** Whether spans are recorded now (a tracer was given, or the application registered one). */
  get active(): boolean {
    return this.#tracer() !== undefined;
  }

  /** Runs `work` inside a producer span named `name`, ended with its outcome. */
  async span<T>(
    name: string,
    attributes: Record<string, string | number | boolean>,
    work: () => Promise<T>,
  ): Promise<T> {
    const tracer = this.#tracer();
    if (tracer === undefined) return work();
    const span = tracer.startSpan(name, {
      kind: PRODUCER,
      attributes: { "messaging.system": "rivulet", ...attributes },
    });
    try {
      return await work();
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      span.recordException(failure);
      span.setStatus({ code: ERROR, message: failure.message });
      const code = (error as { code?: unknown }).code;
      if (typeof code === "string") span.setAttribute("error.type", code);
      throw error;
    } finally {
      span.end();
    }
  }
}
