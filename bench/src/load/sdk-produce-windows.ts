/**
 * Scenario 13's producer in scenario 2's shape, run in a load-generator process: keyed records
 * through `@rivulet/kafka`'s producer in windows of `windowMessages`, each window handed over
 * in slices of 2,000 (`sendBatch`, yielding to I/O between slices as S2's loop does) and ended
 * with `flush()`, so every counted record was acknowledged. Each record's value is S2's
 * `messageBytes` JSON message; what differs from S2 is what makes it a Kafka record: a key
 * (murmur2 over the topic's partitions) and its envelope.
 */
import { setImmediate as yieldToIo } from "node:timers/promises";
import { Kafka, type ProducerRecord } from "@rivulet/kafka";
import { jsonMessage } from "@rivulet/load";

export interface SdkProduceWindowsParams {
  readonly origin: string;
  readonly topic: string;
  readonly messageBytes: number;
  readonly keys: number;
  readonly seconds: number;
  readonly maxMessages: number;
  readonly windowMessages: number;
}

export interface SdkProduceWindowsResult {
  readonly records: number;
  readonly seconds: number;
  /** Bytes of each record's envelope as sent (its key, value, headers and time). */
  readonly envelopeBytes: number;
  /** CPU this process used while producing (user + system), µs: the SDK's cost per record. */
  readonly cpuUs: number;
}

/** S2's slice between yields to I/O. */
const SLICE = 2_000;

export async function sdkProduceWindows(params: SdkProduceWindowsParams): Promise<SdkProduceWindowsResult> {
  const producer = new Kafka({ url: params.origin }).producer(params.topic);
  const value = JSON.parse(jsonMessage(params.messageBytes)) as unknown;
  // Keys made up front, as S2's message is: the loop measures the producer, not string building.
  const keys = Array.from({ length: params.keys }, (_, i) => `key-${i}`);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + params.seconds * 1000;
  let records = 0;
  try {
    while (performance.now() < deadline && records < params.maxMessages) {
      const windowEnd = Math.min(params.maxMessages, records + params.windowMessages);
      const batches: Promise<unknown>[] = [];
      while (records < windowEnd) {
        const slice: ProducerRecord[] = [];
        const sliceEnd = Math.min(windowEnd, records + SLICE);
        for (; records < sliceEnd; records++) slice.push({ value, key: keys[records % keys.length]! });
        batches.push(producer.sendBatch(slice));
        await yieldToIo();
      }
      await producer.flush();
      await Promise.all(batches);
    }
  } finally {
    await producer.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const envelopeBytes = Buffer.byteLength(
    `{"key":"key-${params.keys - 1}","value":${jsonMessage(params.messageBytes)},"headers":{},"ts":${Date.now()}}`,
  );
  return { records, seconds, envelopeBytes, cpuUs: cpu.user + cpu.system };
}
