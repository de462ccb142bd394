/**
 * Bookkeeping for live fan-out: when each message was (meant to be) appended, and when each
 * subscriber received it. Latency = receipt time − intended append time.
 */
import type { Histogram } from "hdr-histogram-js";
import { latencyHistogram, recordMs } from "../measure/histogram.js";
import type { DeliverySink } from "./raw-http/socket-subscriber.js";

export class Deliveries implements DeliverySink {
  private readonly sentAt = new Map<number, number>();
  private readonly counts = new Map<number, number>();
  private readonly lastAt = new Map<number, number>();
  /** Receives latencies of messages whose seq is at least `recordFrom`. */
  histogram: Histogram = latencyHistogram();
  recordFrom = Number.POSITIVE_INFINITY;
  failures = 0;
  firstFailure: string | undefined;

  constructor(private readonly subscribers: number) {}

  /** Message `seq` is appended at (intended) time `at`. */
  expect(seq: number, at: number): void {
    this.sentAt.set(seq, at);
    this.counts.set(seq, 0);
  }

  delivered(seqs: readonly number[], at: number): void {
    for (const seq of seqs) {
      const sent = this.sentAt.get(seq);
      if (sent === undefined) continue;
      this.counts.set(seq, (this.counts.get(seq) ?? 0) + 1);
      this.lastAt.set(seq, at);
      if (seq >= this.recordFrom) recordMs(this.histogram, at - sent);
    }
  }

  failed(reason: string): void {
    this.failures++;
    this.firstFailure ??= reason;
  }

  /** Starts a fresh histogram for messages from `seq` on. */
  startRecording(seq: number): void {
    this.histogram = latencyHistogram();
    this.recordFrom = seq;
  }

  /** How many subscribers have message `seq`. */
  receivedBy(seq: number): number {
    return this.counts.get(seq) ?? 0;
  }

  /** Deliveries of seqs in [from, to). */
  deliveredBetween(from: number, to: number): number {
    let total = 0;
    for (let seq = from; seq < to; seq++) total += this.counts.get(seq) ?? 0;
    return total;
  }

  /** Time from the append until the last subscriber had it, if all have it. */
  everyoneMs(seq: number): number | undefined {
    if (this.receivedBy(seq) < this.subscribers) return undefined;
    return this.lastAt.get(seq)! - this.sentAt.get(seq)!;
  }

  /** Waits (bounded) until every subscriber has every seq in [from, to). */
  async waitForAll(from: number, to: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    const expected = (to - from) * this.subscribers;
    while (performance.now() < deadline) {
      if (this.deliveredBetween(from, to) >= expected) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.deliveredBetween(from, to) >= expected;
  }

  /** Makes a histogram no longer receive values (for reading it). */
  detach(): Histogram {
    const histogram = this.histogram;
    this.recordFrom = Number.POSITIVE_INFINITY;
    return histogram;
  }
}
