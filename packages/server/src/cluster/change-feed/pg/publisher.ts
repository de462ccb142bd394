/**
 * The NOTIFY side of the PostgreSQL change feed. Changes are published only after they are
 * durable (the engine emits its events once an append committed), on a side connection of
 * their own: never inside an append's transaction, where NOTIFY would take a cluster-wide lock
 * at commit (design/kafka-layer.md §4). They are gathered for a few milliseconds, merged per
 * path and sent as one statement per batch (payload.ts keeps each notice under the limit).
 *
 * A batch that cannot be sent is dropped and reported: the receivers' re-check of streams
 * with live readers covers it (docs/cluster.md).
 */
import pg from "pg";
import { backoffMs } from "../backoff.js";
import { encodePayloads, mergeChange } from "../payload.js";
import type { StreamChange } from "../types.js";

export interface PublisherOptions {
  readonly connectionString: string;
  readonly channel: string;
  readonly nodeId: string;
  readonly coalesceMs: number;
  readonly maxPayloadBytes: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly onError: (error: unknown) => void;
}

export class PgPublisher {
  private pending = new Map<string, StreamChange>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private client: pg.Client | undefined;
  /** After a failed connect, none is tried again before this time (batches until then are dropped). */
  private retryAt = 0;
  private failures = 0;
  private closed = false;
  /** Statements sent (each carries one batch): for metrics and tests. */
  batches = 0;

  constructor(private readonly options: PublisherOptions) {}

  publish(change: StreamChange): void {
    if (this.closed) return;
    this.pending.set(change.path, mergeChange(this.pending.get(change.path), change));
    // While a batch is being sent, changes gather for the next one anyway.
    if (this.timer || this.flushing) return;
    this.timer = setTimeout(() => this.flush(), this.options.coalesceMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.flushing;
    await this.client?.end().catch(() => {});
    this.client = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    this.flushing = this.sendAll().finally(() => {
      this.flushing = undefined;
    });
  }

  private async sendAll(): Promise<void> {
    while (this.pending.size > 0) {
      const batch = [...this.pending.values()];
      this.pending = new Map();
      const payloads = encodePayloads(this.options.nodeId, batch, this.options.maxPayloadBytes);
      try {
        await this.send(payloads);
        this.batches++;
      } catch (error) {
        this.options.onError(error);
      }
    }
  }

  /** One statement for all of a batch's payloads; a connection that went stale since is replaced once. */
  private async send(payloads: string[]): Promise<void> {
    const statement = "SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload";
    const reused = this.client !== undefined;
    const client = await this.connection();
    try {
      await client.query(statement, [this.options.channel, payloads]);
    } catch (error) {
      this.drop(client);
      if (!reused) throw error;
      await (await this.connection()).query(statement, [this.options.channel, payloads]);
    }
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    if (Date.now() < this.retryAt) throw new Error("change feed: not reconnecting to PostgreSQL yet");
    const client = new pg.Client({ connectionString: this.options.connectionString, keepAlive: true });
    client.on("error", (error) => {
      this.options.onError(error);
      this.drop(client);
    });
    try {
      await client.connect();
    } catch (error) {
      client.end().catch(() => {});
      this.retryAt = Date.now() + backoffMs(this.failures++, this.options.reconnectMinMs, this.options.reconnectMaxMs);
      throw error;
    }
    this.failures = 0;
    this.client = client;
    return client;
  }

  private drop(client: pg.Client): void {
    if (this.client === client) this.client = undefined;
    client.end().catch(() => {});
  }
}
