/**
 * JSON appends rotating over a list of streams, each answer's `Stream-Next-Offset` and arrival
 * time reported, at a fixed rate (open model: append i is due at a fixed time whatever the
 * answers) or at peak (closed loop: every connection sends its next append as soon as the last
 * is answered).
 */
import { header, type LoadPool, openPool, send, type TargetHeaders } from "../../http-pool.js";
import { jsonMessage } from "../../payload.js";

/** An append to `stream` (root-relative) was acknowledged at `at`, the stream's tail now `end`. */
export type OnAcked = (stream: string, end: string, at: number) => void;

const JSON_HEADERS = { "content-type": "application/json" };

export class TrackedAppends {
  private readonly pool: LoadPool;
  private readonly root: string;
  private next = 0;
  sent = 0;
  errors = 0;
  /** Answers that came after their window ended (an overloaded server): not reported to anyone. */
  late = 0;
  firstError: string | undefined;
  /** Appends belong to the window they were sent in; `nextWindow` starts the next one. */
  private window = 0;

  constructor(
    target: { readonly origin: string; readonly headers?: TargetHeaders; readonly root: string },
    connections: number,
    private readonly streams: readonly string[],
    private readonly bodyBytes: number,
    private readonly onAcked: OnAcked,
  ) {
    this.pool = openPool(target.origin, connections, target.headers);
    this.root = target.root;
  }

  /** `rate` appends per second for `seconds`; resolves once all are answered, or after `drainMs` more. */
  async atRate(rate: number, seconds: number, drainMs: number): Promise<void> {
    const total = Math.max(1, Math.round(rate * seconds));
    const interval = 1000 / rate;
    const inFlight = new Set<Promise<void>>();
    const start = performance.now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
        for (; sent < due; sent++) {
          const append = this.appendOne();
          inFlight.add(append);
          void append.finally(() => inFlight.delete(append));
        }
        if (sent < total)
          setTimeout(tick, Math.max(1, Math.min(interval, start + sent * interval - performance.now())));
        else resolve();
      };
      tick();
    });
    await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, drainMs))]);
  }

  /** `connections` appends in flight at all times for `seconds`. */
  async atPeak(connections: number, seconds: number): Promise<void> {
    const end = performance.now() + seconds * 1000;
    const worker = async () => {
      while (performance.now() < end) await this.appendOne();
    };
    await Promise.all(Array.from({ length: connections }, worker));
  }

  /** Appends still unanswered belong to the window that is over: their answers are only counted as late. */
  nextWindow(): void {
    this.window++;
  }

  /** Closes the connections (appends still unanswered are abandoned). */
  close(): Promise<void> {
    return this.pool.destroy();
  }

  private async appendOne(): Promise<void> {
    const seq = this.next++;
    const stream = this.streams[seq % this.streams.length]!;
    const window = this.window;
    this.sent++;
    try {
      const answer = await send(
        this.pool,
        "POST",
        `${this.root}/${stream}`,
        JSON_HEADERS,
        jsonMessage(this.bodyBytes, seq),
      );
      const at = performance.now();
      const end = header(answer, "stream-next-offset");
      if (window !== this.window) this.late++;
      else if (answer.status >= 300) this.fail(`POST ${stream} answered ${answer.status}`);
      else if (end === undefined) this.fail(`POST ${stream} answered without Stream-Next-Offset`);
      else this.onAcked(stream, end, at);
    } catch (error) {
      this.fail(String(error));
    }
  }

  private fail(reason: string): void {
    this.errors++;
    this.firstError ??= reason;
  }
}
