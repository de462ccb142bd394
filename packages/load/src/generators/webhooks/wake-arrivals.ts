/**
 * Bookkeeping for webhook delivery: which acknowledged appends each arriving wake covers, and
 * how long after its acknowledgement each append reached the receiver. A wake names each
 * stream with its `tail_offset` (PROTOCOL §7.1); it covers every append of that stream whose
 * `Stream-Next-Offset` is at or below that tail (offsets compare lexicographically, §8). An
 * append counts once, at the first wake that covers it; later wakes naming it again
 * (redeliveries) add to the wake count only.
 */
import type { Histogram } from "hdr-histogram-js";
import { latencyHistogram, recordMs } from "../../measure/histogram.js";

interface Acked {
  /** The stream's tail after the append (its `Stream-Next-Offset`). */
  readonly end: string;
  readonly at: number;
}

/** What one measurement window saw. */
export interface WindowCounts {
  readonly acked: number;
  readonly delivered: number;
  /** Covered by a wake that arrived before the append's own acknowledgement (recorded as 0 ms). */
  readonly beforeAck: number;
  readonly wakes: number;
  /** Acknowledged appends no wake has covered yet. */
  readonly waiting: number;
  /** When the last append was acknowledged and the last one delivered (performance.now()), NaN if none. */
  readonly lastAckAt: number;
  readonly lastDeliveryAt: number;
}

export class WakeArrivals {
  /** Per stream: acknowledged appends not yet covered by a wake. */
  private readonly waitingByStream = new Map<string, Acked[]>();
  /** Per stream: the highest tail any wake has named (kept across windows: it is the server's state). */
  private readonly deliveredTail = new Map<string, string>();
  private waitingCount = 0;
  private histogram: Histogram = latencyHistogram();
  private counts = freshCounts();

  /** Starts a window: a fresh histogram and counts. Appends still waiting were the last window's (its `waiting`). */
  startWindow(): void {
    this.waitingByStream.clear();
    this.waitingCount = 0;
    this.histogram = latencyHistogram();
    this.counts = freshCounts();
  }

  /** An append to `stream` was acknowledged at `at` with the stream's new tail `end`. */
  acked(stream: string, end: string, at: number): void {
    this.counts.acked++;
    this.counts.lastAckAt = Math.max(at, this.counts.lastAckAt || 0);
    const delivered = this.deliveredTail.get(stream);
    if (delivered !== undefined && end <= delivered) {
      // The wake overtook the append's answer on its way back to the appender.
      this.counts.beforeAck++;
      this.deliver(0, at);
      return;
    }
    let waiting = this.waitingByStream.get(stream);
    if (!waiting) {
      waiting = [];
      this.waitingByStream.set(stream, waiting);
    }
    waiting.push({ end, at });
    this.waitingCount++;
  }

  /** A wake arrived at `at`, naming these streams and tails. */
  woke(streams: ReadonlyArray<{ readonly path: string; readonly tail: string }>, at: number): void {
    this.counts.wakes++;
    for (const { path, tail } of streams) {
      const before = this.deliveredTail.get(path);
      if (before === undefined || tail > before) this.deliveredTail.set(path, tail);
      const waiting = this.waitingByStream.get(path);
      if (!waiting) continue;
      const still = waiting.filter((append) => {
        if (append.end > tail) return true;
        this.deliver(at - append.at, at);
        this.waitingCount--;
        return false;
      });
      if (still.length > 0) this.waitingByStream.set(path, still);
      else this.waitingByStream.delete(path);
    }
  }

  /** Acknowledged appends of this window still waiting for a wake. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** The window's latencies (from acknowledgement to arrival) and counts. */
  window(): { readonly histogram: Histogram; readonly counts: WindowCounts } {
    return { histogram: this.histogram, counts: { ...this.counts, waiting: this.waiting } };
  }

  private deliver(latencyMs: number, at: number): void {
    this.counts.delivered++;
    this.counts.lastDeliveryAt = Math.max(at, this.counts.lastDeliveryAt || 0);
    recordMs(this.histogram, latencyMs);
  }
}

function freshCounts() {
  return { acked: 0, delivered: 0, beforeAck: 0, wakes: 0, lastAckAt: Number.NaN, lastDeliveryAt: Number.NaN };
}
