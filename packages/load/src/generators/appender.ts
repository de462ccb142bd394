/**
 * Appends numbered JSON messages to one stream on a schedule (open model): message i is due at
 * a fixed time whether or not earlier appends were answered.
 */
import { header, type LoadPool, openPool, send, type TargetHeaders } from "../http-pool.js";
import { jsonMessage } from "../payload.js";

export class ScheduledAppender {
  private readonly pool: LoadPool;
  private readonly inFlight = new Set<Promise<void>>();
  completed = 0;
  errors = 0;
  firstError: string | undefined;

  constructor(
    origin: string,
    private readonly path: string,
    private readonly messageBytes: number,
    connections: number,
    headers: TargetHeaders = {},
  ) {
    this.pool = openPool(origin, connections, headers);
  }

  /** Creates the (JSON) stream; returns its tail offset (`-1` from a server that keeps none). */
  async create(): Promise<string> {
    const answer = await send(this.pool, "PUT", this.path, { "content-type": "application/json" });
    if (answer.status < 200 || answer.status >= 300) throw new Error(`PUT ${this.path} answered ${answer.status}`);
    return header(answer, "stream-next-offset") ?? "-1";
  }

  append(seq: number): void {
    const request = send(
      this.pool,
      "POST",
      this.path,
      { "content-type": "application/json" },
      jsonMessage(this.messageBytes, seq),
    ).then(
      (answer) => {
        if (answer.status >= 300) this.fail(`append answered ${answer.status}`);
        else this.completed++;
      },
      (error: unknown) => this.fail(String(error)),
    );
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request));
  }

  /**
   * Sends seqs [first, first + count) at `rate` per second from `start`, calling `onDue` with
   * each seq and its intended time just before it is sent. Resolves after the last send.
   */
  schedule(
    first: number,
    count: number,
    rate: number,
    start: number,
    onDue: (seq: number, at: number) => void,
  ): Promise<void> {
    const interval = 1000 / rate;
    let sent = 0;
    return new Promise((resolve) => {
      const tick = () => {
        const due = Math.min(count, Math.floor((performance.now() - start) / interval) + 1);
        while (sent < due) {
          onDue(first + sent, start + sent * interval);
          this.append(first + sent);
          sent++;
        }
        if (sent < count)
          setTimeout(tick, Math.max(1, Math.min(interval, start + sent * interval - performance.now())));
        else resolve();
      };
      tick();
    });
  }

  async close(): Promise<void> {
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, 5000))]);
    await this.pool.destroy();
  }

  private fail(reason: string): void {
    this.errors++;
    this.firstError ??= reason;
  }
}
