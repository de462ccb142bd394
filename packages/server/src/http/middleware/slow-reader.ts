/**
 * Slow readers: a live client that stops reading must not make the server buffer without
 * bound. The SSE loop writes one chunk and then waits for the transport to drain, so at most
 * about one read chunk is buffered per connection; this guard makes the wait finite (a reader
 * that does not drain its buffer within the timeout is disconnected) and adds a hard cap in
 * case anything writes without waiting.
 */
import type { ReplySink } from "../exchange.js";

export interface SlowReaderPolicy {
  /** How long a backed-up connection may take to drain (0 = forever). */
  readonly timeoutMs: number;
  /** Buffered bytes past which a connection is cut at once. */
  readonly maxBufferedBytes: number;
  /** Called once when a connection is cut. */
  readonly onCut: () => void;
}

/** What the app keeps of a session besides its sink: told of bytes written and of the end. */
export interface SessionWatch {
  /** Bytes written, when counted (tracing); undefined when nobody counts. */
  written: number | undefined;
  /** Called once, when the session ends or its client leaves. */
  ended(): void;
}

/**
 * A sink whose writes past the cap and drains past the timeout disconnect the reader. One
 * object per connection with its methods on the prototype: thousands of idle SSE sessions
 * keep no closures for it.
 */
export class GuardedSink implements ReplySink {
  private cut = false;
  private done = false;

  constructor(
    private readonly sink: ReplySink,
    private readonly policy: SlowReaderPolicy,
    private readonly watch?: SessionWatch,
  ) {
    if (watch) sink.onClose(() => this.finished());
  }

  get closed(): boolean {
    return this.cut || this.sink.closed;
  }

  get bufferedBytes(): number {
    return this.sink.bufferedBytes;
  }

  write(chunk: string | Uint8Array): boolean {
    const watch = this.watch;
    if (watch?.written !== undefined)
      watch.written += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    const more = this.sink.write(chunk);
    if (!more && this.sink.bufferedBytes > this.policy.maxBufferedBytes) this.cutOff();
    return more && !this.cut;
  }

  end(): void {
    this.sink.end();
    this.finished();
  }

  abort(): void {
    this.sink.abort();
    this.finished();
  }

  onClose(listener: () => void): void {
    this.sink.onClose(listener);
  }

  drain(): Promise<void> {
    const { timeoutMs } = this.policy;
    if (timeoutMs <= 0 || this.sink.closed) return this.sink.drain();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.cutOff();
        resolve();
      }, timeoutMs);
      timer.unref();
      this.sink.drain().then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private cutOff(): void {
    if (this.cut || this.sink.closed) return;
    this.cut = true;
    this.policy.onCut();
    this.sink.abort();
  }

  private finished(): void {
    if (this.done) return;
    this.done = true;
    this.watch?.ended();
  }
}
