/**
 * The change feed of nodes sharing a PostgreSQL store (docs/cluster.md): coalesced
 * `pg_notify` on a side connection after commit (publisher.ts), LISTEN on a dedicated one that
 * reconnects by itself (listener.ts). Notices from this node come back over LISTEN too and are
 * ignored by node id.
 */
import { randomUUID } from "node:crypto";
import { decodePayload, MAX_PAYLOAD_BYTES } from "../payload.js";
import type { ChangeFeed, StreamChange } from "../types.js";
import { PgListener } from "./listener.js";
import { PgPublisher } from "./publisher.js";

export interface PgChangeFeedOptions {
  /** The database the nodes share (`postgres://…`). */
  readonly connectionString: string;
  /** This node's id (default: random). */
  readonly nodeId?: string;
  /** The NOTIFY channel (default `rivulet_changes`); every node of a cluster uses the same one. */
  readonly channel?: string;
  /** How long changes gather before a batch is sent (default 2 ms). */
  readonly coalesceMs?: number;
  /** Largest notice payload in bytes (default, and at most, 7999: PostgreSQL's limit). */
  readonly maxPayloadBytes?: number;
  /** Reconnect backoff, first and longest wait (defaults 100 ms and 5 s). */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** A connection failed or a batch was dropped (the feed carries on). */
  readonly onError?: (error: unknown) => void;
}

export const DEFAULT_CHANNEL = "rivulet_changes";

export class PgChangeFeed implements ChangeFeed {
  readonly nodeId: string;
  private readonly publisher: PgPublisher;
  private readonly listener: PgListener;
  private readonly changeListeners = new Set<(change: StreamChange) => void>();
  private readonly gapListeners = new Set<() => void>();

  constructor(options: PgChangeFeedOptions) {
    this.nodeId = options.nodeId ?? randomUUID();
    const common = {
      connectionString: options.connectionString,
      channel: options.channel ?? DEFAULT_CHANNEL,
      reconnectMinMs: options.reconnectMinMs ?? 100,
      reconnectMaxMs: options.reconnectMaxMs ?? 5000,
      onError: options.onError ?? (() => {}),
    };
    this.publisher = new PgPublisher({
      ...common,
      nodeId: this.nodeId,
      coalesceMs: options.coalesceMs ?? 2,
      maxPayloadBytes: Math.min(options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES),
    });
    this.listener = new PgListener({
      ...common,
      onPayload: (payload) => this.heard(payload),
      onGap: () => this.gap(),
    });
  }

  /** Whether notices are being received now. */
  get listening(): boolean {
    return this.listener.listening;
  }

  /** Batches sent so far (each one NOTIFY statement). */
  get batchesSent(): number {
    return this.publisher.batches;
  }

  /** Starts listening; resolves after the first attempt (a failed one is retried in the background). */
  open(): Promise<void> {
    return this.listener.open();
  }

  publish(change: StreamChange): void {
    this.publisher.publish(change);
  }

  onChange(listener: (change: StreamChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onGap(listener: () => void): () => void {
    this.gapListeners.add(listener);
    return () => this.gapListeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.publisher.close();
    await this.listener.close();
  }

  private heard(payload: string): void {
    const notice = decodePayload(payload);
    if (notice.node === this.nodeId) return;
    if ("gap" in notice) {
      this.gap();
      return;
    }
    for (const change of notice.changes) for (const listener of this.changeListeners) listener(change);
  }

  private gap(): void {
    for (const listener of this.gapListeners) listener();
  }
}
