/**
 * Job: messages per second through a batching producer. Messages are appended in windows;
 * each window ends with a flush, so the producer's queue stays bounded and every counted
 * message is acknowledged. Afterwards the stream's tail is read back as a check.
 */
import { setImmediate as yieldToIo } from "node:timers/promises";
import { header, openPool, send } from "./http-pool.js";
import { jsonMessage } from "./payload.js";
import type { ProducerLike, ProducerSetup } from "./producers/producer-like.js";
import { rawBatchProducer } from "./producers/raw-batch-producer.js";
import { referenceClientProducer } from "./producers/reference-client-producer.js";
import { loadRivuletProducer } from "./producers/rivulet-client-producer.js";

export type ProducerClient = "rivulet" | "reference" | "raw";

export interface ProducerParams {
  readonly origin: string;
  readonly path: string;
  readonly client: ProducerClient;
  readonly json: boolean;
  readonly messageBytes: number;
  readonly seconds: number;
  readonly maxMessages: number;
  readonly windowMessages: number;
  readonly rawBatchMessages: number;
  readonly rawInFlight: number;
}

export type ProducerResult =
  | {
      readonly available: true;
      readonly messages: number;
      readonly seconds: number;
      readonly messagesPerSecond: number;
      readonly megabytesPerSecond: number;
      /** Byte position of the stream's tail afterwards. */
      readonly tailPosition: number;
    }
  | { readonly available: false; readonly reason: string };

export async function producerThroughput(params: ProducerParams): Promise<ProducerResult> {
  const made = await makeProducer(params);
  if ("reason" in made) return { available: false, reason: made.reason };
  const producer = made.producer;
  const message = params.json ? jsonMessage(params.messageBytes) : "b".repeat(params.messageBytes);
  const started = performance.now();
  const deadline = started + params.seconds * 1000;
  let messages = 0;
  try {
    while (performance.now() < deadline && messages < params.maxMessages) {
      const windowEnd = Math.min(params.maxMessages, messages + params.windowMessages);
      while (messages < windowEnd) {
        const sliceEnd = Math.min(windowEnd, messages + 2000);
        for (; messages < sliceEnd; messages++) producer.append(message);
        await yieldToIo();
      }
      await producer.flush();
    }
  } finally {
    await producer.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    available: true,
    messages,
    seconds,
    messagesPerSecond: messages / seconds,
    megabytesPerSecond: (messages * params.messageBytes) / 1e6 / seconds,
    tailPosition: await tailPosition(params.origin, params.path),
  };
}

async function makeProducer(params: ProducerParams): Promise<{ producer: ProducerLike } | { reason: string }> {
  const contentType = params.json ? "application/json" : "application/octet-stream";
  const pool = openPool(params.origin, 1);
  const created = await send(pool, "PUT", params.path, { "content-type": contentType });
  await pool.close();
  if (created.status !== 201) throw new Error(`PUT ${params.path} answered ${created.status}`);
  const setup: ProducerSetup = {
    url: params.origin + params.path,
    json: params.json,
    messageBytes: params.messageBytes,
  };
  switch (params.client) {
    case "raw":
      return { producer: rawBatchProducer(setup, params.rawBatchMessages, params.rawInFlight) };
    case "reference":
      return { producer: referenceClientProducer(setup) };
    case "rivulet": {
      const loaded = await loadRivuletProducer();
      return loaded.ok ? { producer: loaded.make(setup) } : { reason: loaded.reason };
    }
  }
}

async function tailPosition(origin: string, path: string): Promise<number> {
  const pool = openPool(origin, 1);
  const answer = await send(pool, "HEAD", path);
  await pool.close();
  const offset = header(answer, "stream-next-offset") ?? "";
  return Number(offset.split("_")[1] ?? Number.NaN);
}
