/**
 * Bookkeeping for live fan-out: when each message was (meant to be) appended, and when each
 * subscriber received it. Latency = receipt time − intended append time.
 *
 * At a high append rate one generator process counts millions of deliveries a second, so the
 * per-delivery path is a few typed-array operations indexed by seq (seqs are small and dense)
 * and one counter increment (measure/fast-recorder.ts), not map look-ups and a histogram record.
 */
import type { Histogram } from "hdr-histogram-js";
import { FastRecorder } from "../measure/fast-recorder.js";
import type { DeliverySink } from "./raw-http/socket-subscriber.js";

export class Deliveries implements DeliverySink {
  /** Intended append time per seq; NaN for a seq not (yet) expected. */
  private sentAt = new Float64Array(1024).fill(Number.NaN);
  private counts = new Uint32Array(1024);
  private lastAt = new Float64Array(1024);
  /** Receives latencies of messages whose seq is at least `recordFrom`. */
  private readonly latencies = new FastRecorder();
  recordFrom = Number.POSITIVE_INFINITY;
  failures = 0;
  firstFailure: string | undefined;

  constructor(private readonly subscribers: number) {}

  /** Message `seq` is appended at (intended) time `at`. */
  expect(seq: number, at: number): void {
    if (seq >= this.sentAt.length) this.grow(seq);
    this.sentAt[seq] = at;
    this.counts[seq] = 0;
  }

  delivered(seqs: readonly number[], at: number): void {
    for (let i = 0; i < seqs.length; i++) this.deliveredOne(seqs[i]!, at);
  }

  private deliveredOne(seq: number, at: number): void {
    const sent = this.sentAt[seq];
    // Out of range reads undefined, and an unexpected seq is NaN: neither is counted.
    if (sent === undefined || Number.isNaN(sent)) return;
    this.counts[seq]!++;
    this.lastAt[seq] = at;
    if (seq >= this.recordFrom) this.latencies.record(at - sent);
  }

  failed(reason: string): void {
    this.failures++;
    this.firstFailure ??= reason;
  }

  /** Starts a fresh histogram for messages from `seq` on. */
  startRecording(seq: number): void {
    this.latencies.clear();
    this.recordFrom = seq;
  }

  /** How many subscribers have message `seq`. */
  receivedBy(seq: number): number {
    return this.counts[seq] ?? 0;
  }

  /** Deliveries of seqs in [from, to). */
  deliveredBetween(from: number, to: number): number {
    let total = 0;
    for (let seq = from; seq < to; seq++) total += this.counts[seq] ?? 0;
    return total;
  }

  /** Time from the append until the last subscriber had it, if all have it. */
  everyoneMs(seq: number): number | undefined {
    if (this.receivedBy(seq) < this.subscribers) return undefined;
    return this.lastAt[seq]! - this.sentAt[seq]!;
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
    this.recordFrom = Number.POSITIVE_INFINITY;
    return this.latencies.take();
  }

  private grow(seq: number): void {
    let size = this.sentAt.length;
    while (size <= seq) size *= 2;
    const sentAt = new Float64Array(size).fill(Number.NaN);
    sentAt.set(this.sentAt);
    const counts = new Uint32Array(size);
    counts.set(this.counts);
    const lastAt = new Float64Array(size);
    lastAt.set(this.lastAt);
    this.sentAt = sentAt;
    this.counts = counts;
    this.lastAt = lastAt;
  }
}
