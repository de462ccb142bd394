/**
 * Job: messages per second through a batching producer. Messages are appended in windows;
 * each window ends with a flush, so the producer's queue stays bounded and every counted
 * message is acknowledged. Afterwards the stream's tail is read back as a check.
 */
import { setImmediate as yieldToIo } from "node:timers/promises";
import { header, openPool, send, type TargetHeaders } from "../http-pool.js";
import { jsonMessage } from "../payload.js";
import type { ProducerFactory, ProducerLike } from "./producers/producer-like.js";
import { rawBatchProducer } from "./producers/raw-batch-producer.js";
import { rivuletClientProducer } from "./producers/rivulet-client-producer.js";

/** The producers measured everywhere; the comparison suite adds the reference client's. */
export const BUILT_IN_PRODUCERS: Readonly<Record<string, ProducerFactory>> = {
  /** `@rivulet/client`'s IdempotentProducer with its defaults. */
  rivulet: rivuletClientProducer,
  /** A minimal batching producer: what the server absorbs when the client costs next to nothing. */
  raw: rawBatchProducer,
};

export interface ProducerParams {
  readonly origin: string;
  readonly path: string;
  /** Sent with every request (credentials). */
  readonly headers?: TargetHeaders;
  /** A key of the producer factories passed in (`rivulet`, `raw`, …). */
  readonly client: string;
  readonly json: boolean;
  readonly messageBytes: number;
  readonly seconds: number;
  readonly maxMessages: number;
  readonly windowMessages: number;
  readonly rawBatchMessages: number;
  readonly rawInFlight: number;
}

/** The sizes of a producer run, apart from where it goes and which producer. */
export type ProducerSizes = Pick<
  ProducerParams,
  "messageBytes" | "seconds" | "maxMessages" | "windowMessages" | "rawBatchMessages" | "rawInFlight"
>;

export interface ProducerResult {
  readonly messages: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  readonly megabytesPerSecond: number;
  /** Byte position of the stream's tail afterwards. */
  readonly tailPosition: number;
}

export async function producerThroughput(
  params: ProducerParams,
  factories: Readonly<Record<string, ProducerFactory>> = BUILT_IN_PRODUCERS,
): Promise<ProducerResult> {
  const make = factories[params.client];
  if (!make) throw new Error(`no producer called ${params.client}`);
  const producer = await createAndOpen(params, make);
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
    messages,
    seconds,
    messagesPerSecond: messages / seconds,
    megabytesPerSecond: (messages * params.messageBytes) / 1e6 / seconds,
    tailPosition: await tailPosition(params),
  };
}

async function createAndOpen(params: ProducerParams, make: ProducerFactory): Promise<ProducerLike> {
  const contentType = params.json ? "application/json" : "application/octet-stream";
  const pool = openPool(params.origin, 1, params.headers);
  const created = await send(pool, "PUT", params.path, { "content-type": contentType });
  await pool.close();
  if (created.status !== 201) throw new Error(`PUT ${params.path} answered ${created.status}`);
  return make({
    url: params.origin + params.path,
    json: params.json,
    messageBytes: params.messageBytes,
    headers: params.headers ?? {},
    rawBatchMessages: params.rawBatchMessages,
    rawInFlight: params.rawInFlight,
  });
}

async function tailPosition(params: ProducerParams): Promise<number> {
  const pool = openPool(params.origin, 1, params.headers);
  const answer = await send(pool, "HEAD", params.path);
  await pool.close();
  const offset = header(answer, "stream-next-offset") ?? "";
  return Number(offset.split("_")[1] ?? Number.NaN);
}
