/**
 * Fetching one assigned partition: a live read of its stream in the records view (each
 * message with its offset, next offset, seq and append time; docs/extensions.md "Records
 * view") through `@rivulet/client`, from the committed offset or the consumer's policy. A
 * start before the earliest retained record (`410`, retention removed it) restarts at the
 * earliest and is reported, as Kafka's `auto.offset.reset=earliest` does.
 */
import { type StartOffset, StreamError, type StreamRecord, stream } from "@rivulet/client";
import { errorFromResponse, KafkaError, TopicNotFoundError } from "../errors.js";
import type { KafkaHttp } from "../http.js";

export interface FetchSettings {
  http: KafkaHttp;
  /** The partition stream's full URL. */
  url: string;
  start: StartOffset;
  maxPollRecords: number;
  fetchMaxWaitMs: number | undefined;
  /** Takes a batch of records; resolves when there is room for more (backpressure). */
  deliver(records: StreamRecord[]): Promise<void>;
  /** The start was before the earliest retained record: reading restarts from the earliest. */
  onReset(from: string, reason: string): void;
  /** The read failed for good. */
  onError(error: KafkaError): void;
}

export class PartitionFetcher {
  readonly #controller = new AbortController();
  readonly #done: Promise<void>;

  constructor(private readonly settings: FetchSettings) {
    this.#done = this.#run();
  }

  /** Stops fetching; resolves once the read let go of its connection. */
  async stop(): Promise<void> {
    this.#controller.abort();
    await this.#done;
  }

  async #run(): Promise<void> {
    let start = this.settings.start;
    while (!this.#controller.signal.aborted) {
      try {
        await this.#read(start);
        return;
      } catch (error) {
        if (this.#controller.signal.aborted) return;
        if (error instanceof StreamError && error.code === "GONE" && start !== "earliest") {
          this.settings.onReset(typeof start === "string" ? start : `at ${+start.at}`, error.message);
          start = "earliest";
          continue;
        }
        this.settings.onError(kafkaErrorOf(error, this.settings.url));
        return;
      }
    }
  }

  async #read(start: StartOffset): Promise<void> {
    const { http, url, maxPollRecords, fetchMaxWaitMs } = this.settings;
    const options = http.options;
    const response = await stream({
      url,
      offset: start,
      records: { limit: maxPollRecords },
      live: "long-poll",
      contentType: "application/json",
      signal: this.#controller.signal,
      fetch: options.fetch,
      headers: {
        ...fetchEncoding(options.headers),
        ...options.headers,
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      },
      timeoutMs: options.timeoutMs,
      ...(fetchMaxWaitMs === undefined ? {} : { longPollTimeoutMs: fetchMaxWaitMs }),
    });
    for await (const batch of response) {
      const records = batch.records ?? [];
      if (records.length > 0) await this.settings.deliver(records);
      if (this.#controller.signal.aborted) return;
    }
  }
}

/**
 * Fetches carry records as the server holds them unless the consumer's headers ask for a
 * coding, as Kafka's fetch answers carry batches as stored: compressing every answer costs the
 * server and the consumer CPU per record (about a quarter of the server's, a sixth of the
 * consumer's: bench/results/profiles/kafka.md), which on a LAN buys nothing.
 */
function fetchEncoding(headers: Record<string, string>): Record<string, string> {
  const asked = Object.keys(headers).some((name) => name.toLowerCase() === "accept-encoding");
  return asked ? {} : { "accept-encoding": "identity" };
}

/** A read failure in the SDK's terms: a missing partition stream is a missing topic (or partition); others keep the server's code. */
function kafkaErrorOf(error: unknown, url: string): KafkaError {
  if (error instanceof KafkaError) return error;
  if (error instanceof StreamError && error.code === "NOT_FOUND") {
    return new TopicNotFoundError("TOPIC_NOT_FOUND", `The partition stream ${url} does not exist`, {
      status: 404,
      cause: error,
    });
  }
  if (error instanceof StreamError) {
    const body = { error: { code: error.serverCode ?? error.code, message: error.message } };
    const mapped = errorFromResponse(error.status ?? 0, body, null);
    if (mapped.cause === undefined) Object.defineProperty(mapped, "cause", { value: error });
    return mapped;
  }
  return new KafkaError("CONSUMER_FAILED", `Fetching ${url} failed: ${String(error)}`, { cause: error });
}
