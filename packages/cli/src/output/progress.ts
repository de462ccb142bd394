/**
 * The progress line of a large or piped upload: bytes sent and bytes per second (and a bar
 * when the size is known). Only on a terminal: a redirected stderr gets nothing, so logs and
 * scripts never see carriage-return noise.
 */
import { Presets, SingleBar } from "cli-progress";
import { formatBytes, formatRate } from "./format.js";

/** Inputs at least this large get a progress line even when they come from a file. */
export const PROGRESS_THRESHOLD_BYTES = 1 << 20;

export interface Progress {
  add(bytes: number): void;
  stop(): void;
}

const NO_PROGRESS: Progress = { add() {}, stop() {} };

export interface ProgressRequest {
  enabled: boolean;
  /** Total bytes when known. */
  size: number | undefined;
  /** The input is a pipe (stdin), whose length and pace are unknown. */
  piped: boolean;
}

export function shouldShowProgress(request: ProgressRequest, stderrIsTty: boolean): boolean {
  if (!request.enabled || !stderrIsTty) return false;
  return request.piped || (request.size !== undefined && request.size >= PROGRESS_THRESHOLD_BYTES);
}

export function startProgress(request: ProgressRequest): Progress {
  if (!shouldShowProgress(request, process.stderr.isTTY === true)) return NO_PROGRESS;
  const known = request.size !== undefined;
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: known
        ? "{bar} {percentage}% | {sent} of {size} | {rate}"
        : "appending | {sent} | {rate} | {duration_formatted}",
      hideCursor: true,
      fps: 10,
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  let sent = 0;
  const values = () => ({ sent: formatBytes(sent), rate: formatRate(sent, Date.now() - started) });
  bar.start(request.size ?? 0, 0, { ...values(), size: formatBytes(request.size ?? 0) });
  return {
    add(bytes) {
      sent += bytes;
      bar.update(known ? sent : 0, values());
    },
    stop() {
      bar.update(known ? sent : 0, values());
      bar.stop();
    },
  };
}
