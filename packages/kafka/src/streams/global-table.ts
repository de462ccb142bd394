/**
 * A global table: every record of a (compacted) topic, latest value per key, held in full by
 * every instance of the application. A stream joins it by looking keys up (`joinTable`), with
 * no repartition and no co-partitioning: whichever process handles a stream record has the
 * whole table. Reading keeps it current: each partition is read live from its start; the
 * application starts once every partition has been read up to its tail.
 */
import { stream } from "@rivulet/client";
import { envelopeOf } from "../consumer/record.js";
import type { StreamsKafka } from "./host-kafka.js";

export class GlobalTableReader {
  readonly #controller = new AbortController();
  #reads: Promise<void>[] = [];

  constructor(
    private readonly kafka: StreamsKafka,
    private readonly topic: string,
    private readonly table: Map<string, unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Resolves once every partition has been read to its tail; reading goes on until `stop()`. */
  async start(): Promise<void> {
    const layout = await this.kafka.topics.layout(this.topic);
    const ready = layout.paths.map((path) => {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const caughtUp = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const read = this.#read(path, resolve).catch((error: unknown) => {
        if (this.#controller.signal.aborted) return;
        reject(error);
        this.onError(error);
      });
      this.#reads.push(read);
      return caughtUp;
    });
    await Promise.all(ready);
  }

  async stop(): Promise<void> {
    this.#controller.abort();
    await Promise.allSettled(this.#reads);
  }

  async #read(path: string, caughtUp: () => void): Promise<void> {
    const options = this.kafka.http.options;
    const response = await stream({
      url: this.kafka.http.stream(path),
      offset: "earliest",
      records: true,
      live: "long-poll",
      contentType: "application/json",
      signal: this.#controller.signal,
      fetch: options.fetch,
      headers: {
        ...options.headers,
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      },
      timeoutMs: options.timeoutMs,
    });
    for await (const batch of response) {
      for (const record of batch.records ?? []) {
        const envelope = envelopeOf(record.value);
        if (envelope.key === null) continue;
        if (envelope.value === null) this.table.delete(envelope.key);
        else this.table.set(envelope.key, envelope.value);
      }
      if (batch.upToDate) caughtUp();
    }
  }
}
