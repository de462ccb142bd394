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

/** Wraps a sink so writes past the cap and drains past the timeout disconnect the reader. */
export function guardSlowReader(sink: ReplySink, policy: SlowReaderPolicy): ReplySink {
  let cut = false;
  const cutOff = () => {
    if (cut || sink.closed) return;
    cut = true;
    policy.onCut();
    sink.abort();
  };
  return {
    write(chunk) {
      const more = sink.write(chunk);
      if (!more && sink.bufferedBytes > policy.maxBufferedBytes) cutOff();
      return more && !cut;
    },
    end: () => sink.end(),
    abort: () => sink.abort(),
    get closed() {
      return cut || sink.closed;
    },
    get bufferedBytes() {
      return sink.bufferedBytes;
    },
    onClose: (listener) => sink.onClose(listener),
    drain() {
      if (policy.timeoutMs <= 0 || sink.closed) return sink.drain();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          cutOff();
          resolve();
        }, policy.timeoutMs);
        timer.unref();
        sink.drain().then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
