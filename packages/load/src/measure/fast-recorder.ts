/**
 * Latencies recorded at millions a second: counted in 10 µs bins of a flat array (one
 * increment each) and moved into an HdrHistogram when read. hdr-histogram-js's own
 * `recordValue` costs about as much as parsing the message it times, which at a fan-out's
 * delivery rate made the generator, not the server, the limit. Values past the bins go to
 * the histogram directly.
 */
import type { Histogram } from "hdr-histogram-js";
import { latencyHistogram, recordMs } from "./histogram.js";

const BIN_US = 10;
/** 10 s of 10 µs bins (4 MB): fan-out latencies past that are rare and go straight to the histogram. */
const BINS = 1_000_000;

export class FastRecorder {
  private readonly bins = new Uint32Array(BINS);
  private overflow = latencyHistogram();

  record(ms: number): void {
    const bin = Math.round((ms * 1000) / BIN_US);
    if (bin < BINS) this.bins[bin < 0 ? 0 : bin]!++;
    else recordMs(this.overflow, ms);
  }

  /** Forgets what was recorded. */
  clear(): void {
    this.bins.fill(0);
    this.overflow.reset();
  }

  /** Everything recorded so far, as a histogram (at 10 µs resolution below 10 s); empties this recorder. */
  take(): Histogram {
    const histogram = this.overflow;
    const bins = this.bins;
    for (let bin = 0; bin < BINS; bin++) {
      const count = bins[bin]!;
      if (count > 0) histogram.recordValueWithCount(Math.max(1, bin * BIN_US), count);
    }
    bins.fill(0);
    this.overflow = latencyHistogram();
    return histogram;
  }
}
