/** What the producer benchmark needs from any batching producer. */
export interface ProducerLike {
  /** Queues one message (fire-and-forget). */
  append(message: string): void;
  /** Resolves once every queued message is acknowledged. */
  flush(): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}

export interface ProducerSetup {
  /** Full stream URL. */
  readonly url: string;
  readonly json: boolean;
  readonly messageBytes: number;
}
