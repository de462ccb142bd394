/**
 * `rivulet serve --otel`: the OpenTelemetry SDK behind the server's request spans, exporting
 * over OTLP/HTTP. Configured only by the standard variables: OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), _HEADERS, _TIMEOUT, _COMPRESSION; OTEL_SERVICE_NAME and
 * OTEL_RESOURCE_ATTRIBUTES; OTEL_TRACES_SAMPLER(_ARG); OTEL_BSP_*; OTEL_SDK_DISABLED. The SDK
 * is imported only when asked for, so a server without --otel never loads it.
 */
import type { TracingOptions } from "@rivulet/server";
import { batchSetting, type SamplerSetting, samplerSetting, sdkDisabled } from "./otel-settings.js";

export interface OtelExport {
  readonly tracing: TracingOptions;
  /** Exports what is still queued, then stops (at shutdown). */
  shutdown(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

export async function startOtel(version: string, env: Env = process.env): Promise<OtelExport | undefined> {
  if (sdkDisabled(env)) return undefined;
  const sampler = samplerSetting(env);
  const batch = batchSetting(env);
  const [sdk, core, resources, { OTLPTraceExporter }] = await Promise.all([
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/core"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/exporter-trace-otlp-http"),
  ]);
  // The environment's service name and attributes win over the default name.
  const detected = resources.detectResources({ detectors: [resources.envDetector] });
  const resource = resources
    .resourceFromAttributes({ "service.name": "rivulet", "service.version": version })
    .merge(detected);
  const provider = new sdk.TracerProvider({
    resource,
    sampler: makeSampler(sdk, sampler),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter(), ...batch })],
  });
  return {
    tracing: { tracer: provider.getTracer("rivulet", version), propagator: new core.W3CTraceContextPropagator() },
    shutdown: () => provider.shutdown(),
  };
}

type Sdk = typeof import("@opentelemetry/sdk-trace");

function makeSampler(sdk: Sdk, setting: SamplerSetting) {
  const base = (kind: string) => {
    if (kind.endsWith("always_off")) return new sdk.AlwaysOffSampler();
    if (kind.endsWith("traceidratio") && "ratio" in setting) return new sdk.TraceIdRatioBasedSampler(setting.ratio);
    return new sdk.AlwaysOnSampler();
  };
  return setting.kind.startsWith("parentbased_")
    ? new sdk.ParentBasedSampler({ root: base(setting.kind) })
    : base(setting.kind);
}
