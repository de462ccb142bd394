/**
 * Server-generated cursors (PROTOCOL §10.1): the number of fixed intervals since an epoch,
 * never going backwards for a client that echoes the cursor it was given.
 */
export const CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9);
export const CURSOR_INTERVAL_MS = 20_000;
const MAX_JITTER_SECONDS = 3600;

export function currentInterval(now: number): number {
  return Math.floor((now - CURSOR_EPOCH_MS) / CURSOR_INTERVAL_MS);
}

/**
 * The cursor for a live response. When the client's cursor has caught up with the current
 * interval, return one strictly greater by 1–3600 seconds of random jitter (§10.1 step 3), so a
 * CDN key cycle can never repeat.
 */
export function nextCursor(now: number, clientCursor: string | undefined, random: () => number = Math.random): string {
  const interval = currentInterval(now);
  const echoed = clientCursor !== undefined && /^\d{1,15}$/.test(clientCursor) ? Number(clientCursor) : undefined;
  if (echoed === undefined || echoed < interval) return String(interval);
  const jitterSeconds = 1 + Math.floor(random() * MAX_JITTER_SECONDS);
  return String(echoed + Math.max(1, Math.ceil((jitterSeconds * 1000) / CURSOR_INTERVAL_MS)));
}
