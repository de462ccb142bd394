/** How long to wait before reconnect attempt `attempt` (0-based): doubling from `minMs` up to `maxMs`. Pure. */
export function backoffMs(attempt: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
}
