/**
 * Scenario 2, batched messages through an idempotent producer: messages appended in windows,
 * each window flushed, so every counted message was acknowledged. Each configuration names a
 * producer of the job runner's (`rivulet`, `raw`, and whatever a driver adds) and the content.
 */
import type { ProducerResult, ProducerSizes } from "../generators/producer-throughput.js";
import { endpoint, nameInRun, repeat, type ScenarioRun } from "./scenario-run.js";

export interface ProducerConfig {
  readonly client: string;
  readonly json: boolean;
}

/** A run's figures, or why there are none: a failing producer is one result, not the end of the scenario. */
export type ProducerOutcome =
  | { readonly ok: true; readonly result: ProducerResult }
  | { readonly ok: false; readonly error: unknown };

export interface ProducerMeasurement extends ProducerConfig {
  readonly outcomes: readonly ProducerOutcome[];
}

export async function measureProducers(
  run: ScenarioRun,
  configs: readonly ProducerConfig[],
  sizes: ProducerSizes,
): Promise<ProducerMeasurement[]> {
  const measured: ProducerMeasurement[] = [];
  for (const config of configs) {
    run.progress(`producer: ${config.client}, ${config.json ? "JSON" : "bytes"}`);
    const outcomes = await repeat(run.runs, (index) => produce(run, config, sizes, index));
    measured.push({ ...config, outcomes });
  }
  return measured;
}

async function produce(
  run: ScenarioRun,
  { client, json }: ProducerConfig,
  sizes: ProducerSizes,
  index: number,
): Promise<ProducerOutcome> {
  // The job creates its stream, so every run gets a fresh one.
  const path = run.target.path(nameInRun(`producer-${client}-${json ? "json" : "bytes"}`, index));
  run.target.created(path);
  try {
    const params = { ...endpoint(run.target), path, client, json, ...sizes };
    return { ok: true, result: await run.jobs("producerThroughput", params, sizes.seconds * 1000 + 120_000) };
  } catch (error) {
    return { ok: false, error };
  }
}
