/**
 * The OTEL_* variables `rivulet serve --otel` reads itself (the OTLP exporter reads its own
 * OTEL_EXPORTER_OTLP_* ones): the sampler and the batch span processor, as the OpenTelemetry
 * SDK environment specification names them. Pure; a bad value is a usage error naming it.
 */
import { usage } from "./failure.js";

export type SamplerSetting =
  | { readonly kind: "always_on" | "always_off" | "parentbased_always_on" | "parentbased_always_off" }
  | { readonly kind: "traceidratio" | "parentbased_traceidratio"; readonly ratio: number };

export interface BatchSetting {
  readonly scheduledDelayMillis?: number;
  readonly exportTimeoutMillis?: number;
  readonly maxQueueSize?: number;
  readonly maxExportBatchSize?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;

/** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG; the specification's default is parentbased_always_on. */
export function samplerSetting(env: Env): SamplerSetting {
  const name = (env.OTEL_TRACES_SAMPLER ?? "parentbased_always_on").trim().toLowerCase();
  const kind = SAMPLERS.find((sampler) => sampler === name);
  if (!kind) throw usage(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(", ")}`);
  if (kind !== "traceidratio" && kind !== "parentbased_traceidratio") return { kind };
  const arg = env.OTEL_TRACES_SAMPLER_ARG;
  const ratio = arg === undefined || arg.trim() === "" ? 1 : Number(arg);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1)
    throw usage("OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1");
  return { kind, ratio };
}

/** OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_EXPORT_TIMEOUT, OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE. */
export function batchSetting(env: Env): BatchSetting {
  const read = (name: string): number | undefined => {
    const value = env[name];
    if (value === undefined || value.trim() === "") return undefined;
    const number = Number(value);
    if (!Number.isInteger(number) || number < 0) throw usage(`${name} must be a non-negative integer`);
    return number;
  };
  const settings = {
    scheduledDelayMillis: read("OTEL_BSP_SCHEDULE_DELAY"),
    exportTimeoutMillis: read("OTEL_BSP_EXPORT_TIMEOUT"),
    maxQueueSize: read("OTEL_BSP_MAX_QUEUE_SIZE"),
    maxExportBatchSize: read("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

/** OTEL_SDK_DISABLED=true turns the SDK off, even with --otel. */
export function sdkDisabled(env: Env): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true";
}
