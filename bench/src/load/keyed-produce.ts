/**
 * The keyed-produce load (scenario 9), run in a load-generator process: `connections` clients
 * each send produce requests of `batch` records with random keys to one topic, one request in
 * flight each, for `seconds`, and count the records acknowledged. Optionally gzip-compressed,
 * optionally with idempotent-producer headers (one producer per client). Every answer is
 * checked: status 200, one result per record, no error.
 */
import { gzipSync } from "node:zlib";
import { latencyHistogram, recordMs, summarise } from "@rivulet/load";
import { Pool } from "undici";

export interface KeyedProduceParams {
  readonly origin: string;
  /** Path of the topic's produce endpoint. */
  readonly path: string;
  readonly connections: number;
  readonly batch: number;
  readonly valueBytes: number;
  readonly keys: number;
  readonly gzip: boolean;
  readonly idempotent: boolean;
  readonly seconds: number;
}

export interface KeyedProduceResult {
  readonly records: number;
  readonly requests: number;
  readonly bodyBytes: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Records acknowledged per partition. */
  readonly perPartition: Record<number, number>;
  readonly errors: string[];
}

export async function keyedProduce(params: KeyedProduceParams): Promise<KeyedProduceResult> {
  const pool = new Pool(params.origin, { connections: params.connections, pipelining: 1 });
  const histogram = latencyHistogram();
  const perPartition: Record<number, number> = {};
  const errors: string[] = [];
  const padding = "v".repeat(Math.max(0, params.valueBytes - 20));
  let records = 0;
  let requests = 0;
  let bodyBytes = 0;
  const started = performance.now();
  const deadline = started + params.seconds * 1000;
  const client = async (id: number) => {
    for (let seq = 0; performance.now() < deadline && errors.length === 0; seq++) {
      const batch = Array.from({ length: params.batch }, (_, i) => ({
        key: `key-${Math.floor(Math.random() * params.keys)}`,
        value: { n: seq * params.batch + i, padding },
      }));
      const text = JSON.stringify(batch);
      const body = params.gzip ? gzipSync(text) : Buffer.from(text);
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (params.gzip) headers["content-encoding"] = "gzip";
      if (params.idempotent) {
        Object.assign(headers, { "producer-id": `bench-${id}`, "producer-epoch": "0", "producer-seq": String(seq) });
      }
      const sent = performance.now();
      const response = await pool.request({ method: "POST", path: params.path, headers, body });
      const answer = (await response.body.json()) as { records?: Array<{ partition: number; error?: unknown }> };
      recordMs(histogram, performance.now() - sent);
      if (response.statusCode !== 200 || answer.records?.length !== params.batch) {
        errors.push(`status ${response.statusCode}: ${JSON.stringify(answer).slice(0, 200)}`);
        return;
      }
      for (const record of answer.records) perPartition[record.partition] = (perPartition[record.partition] ?? 0) + 1;
      records += params.batch;
      requests++;
      bodyBytes += body.length;
    }
  };
  await Promise.all(Array.from({ length: params.connections }, (_, id) => client(id)));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  const latency = summarise(histogram);
  return { records, requests, bodyBytes, seconds, p50Ms: latency.p50, p99Ms: latency.p99, perPartition, errors };
}
