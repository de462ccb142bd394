/**
 * The keyed-producer load of scenario 13, run in a load-generator process: one producer sends
 * keyed records to a 12-partition topic for `seconds`, keeping `window` records unacknowledged
 * at a time, and counts those acknowledged. Two ways, the same workload:
 *
 * - `sdk`: `@rivulet/kafka`'s `kafka.producer(topic).send(value, { key })`;
 * - `client`: what an application would write with `@rivulet/client` alone: murmur2 from
 *   @rivulet/protocol, one `IdempotentProducer` per partition stream, the record envelope
 *   built by hand, `appendWithReceipt` for each record's acknowledgement.
 */
import { DurableStream } from "@rivulet/client";
import { IdempotentProducer } from "@rivulet/client/producer";
import { Kafka } from "@rivulet/kafka";
import { latencyHistogram, recordMs, summarise } from "@rivulet/load";
import { partitionForKey } from "@rivulet/protocol";

export interface SdkProduceParams {
  readonly origin: string;
  readonly topic: string;
  readonly partitions: number;
  readonly mode: "sdk" | "client";
  readonly window: number;
  readonly valueBytes: number;
  readonly keys: number;
  readonly seconds: number;
}

export interface SdkProduceResult {
  readonly records: number;
  readonly seconds: number;
  /** Time from send to acknowledgement, per record. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: string[];
}

type Send = (key: string, value: unknown) => Promise<unknown>;

export async function sdkProduce(params: SdkProduceParams): Promise<SdkProduceResult> {
  const { send, close } = params.mode === "sdk" ? sdkSender(params) : clientSender(params);
  const histogram = latencyHistogram();
  const errors: string[] = [];
  const padding = "v".repeat(Math.max(0, params.valueBytes - 20));
  let records = 0;
  let n = 0;
  const started = performance.now();
  const deadline = started + params.seconds * 1000;
  // `window` lanes, each with one record outstanding: `window` records in flight in all.
  const lane = async () => {
    while (performance.now() < deadline && errors.length === 0) {
      const sent = performance.now();
      try {
        await send(`key-${Math.floor(Math.random() * params.keys)}`, { n: n++, padding });
      } catch (error) {
        errors.push(String(error));
        return;
      }
      recordMs(histogram, performance.now() - sent);
      records++;
    }
  };
  await Promise.all(Array.from({ length: params.window }, lane));
  const seconds = (performance.now() - started) / 1000;
  await close();
  const latency = summarise(histogram);
  return { records, seconds, p50Ms: latency.p50, p99Ms: latency.p99, errors };
}

function sdkSender(params: SdkProduceParams): { send: Send; close: () => Promise<void> } {
  const producer = new Kafka({ url: params.origin }).producer(params.topic);
  return { send: (key, value) => producer.send(value, { key }), close: () => producer.close() };
}

function clientSender(params: SdkProduceParams): { send: Send; close: () => Promise<void> } {
  const producers = Array.from({ length: params.partitions }, (_, p) => {
    const stream = new DurableStream({
      url: `${params.origin}/v1/stream/topics/${params.topic}/${p}`,
      contentType: "application/json",
    });
    return new IdempotentProducer(stream, `bench-client-${p}-${process.pid}`);
  });
  return {
    send: (key, value) =>
      producers[partitionForKey(key, params.partitions)]!.appendWithReceipt({
        key,
        value,
        headers: {},
        ts: Date.now(),
      }),
    close: async () => {
      await Promise.all(producers.map((producer) => producer.close()));
    },
  };
}
