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
  /** Sent with every request (credentials). */
  readonly headers: Readonly<Record<string, string>>;
  /** Raw batch producer only: messages per request and requests in flight. */
  readonly rawBatchMessages: number;
  readonly rawInFlight: number;
}

export type ProducerFactory = (setup: ProducerSetup) => ProducerLike;
