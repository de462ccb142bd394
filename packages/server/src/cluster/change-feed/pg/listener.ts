/**
 * The LISTEN side of the PostgreSQL change feed: one dedicated connection (a listening session
 * cannot be shared with queries from a pool). When it is lost (a database restart, a network
 * fault) it reconnects by itself, waiting longer after each failed attempt, and reports a gap:
 * notices sent while it was away are gone, so what the node holds must be re-checked.
 */
import pg from "pg";
import { backoffMs } from "../backoff.js";

export interface ListenerOptions {
  readonly connectionString: string;
  readonly channel: string;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly onPayload: (payload: string) => void;
  /** Listening again after a lost connection (or after failed first attempts). */
  readonly onGap: () => void;
  readonly onError: (error: unknown) => void;
}

export class PgListener {
  /** The connection being made or in use. */
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private everListened = false;
  private missed = false;
  private closed = false;

  constructor(private readonly options: ListenerOptions) {}

  /** Whether the LISTEN is in place now. */
  listening = false;

  /** Connects and listens; resolves after the first attempt (a failed one is retried in the background). */
  open(): Promise<void> {
    return this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.connectionString, keepAlive: true });
    this.client = client;
    client.on("error", (error) => {
      this.options.onError(error);
      this.lost(client);
    });
    client.on("end", () => this.lost(client));
    client.on("notification", (message) => {
      if (message.channel === this.options.channel && message.payload !== undefined) {
        this.options.onPayload(message.payload);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.options.channel)}`);
    } catch (error) {
      this.options.onError(error);
      this.lost(client);
      return;
    }
    if (this.client !== client) return; // closed, or lost while listening began
    this.listening = true;
    this.failures = 0;
    const gap = this.missed || !this.everListened;
    this.everListened = true;
    this.missed = false;
    if (gap) this.options.onGap();
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listening = false;
    this.missed = true;
    client.removeAllListeners("notification");
    client.end().catch(() => {});
    if (this.closed) return;
    const delay = backoffMs(this.failures++, this.options.reconnectMinMs, this.options.reconnectMaxMs);
    this.timer = setTimeout(() => void this.connect(), delay);
    this.timer.unref();
  }
}
