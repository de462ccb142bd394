/**
 * Webhook retry delays (PROTOCOL §7.1): exponential from the base (1 s) up to the maximum
 * (60 s), each with ±20% jitter so subscriptions failing together do not retry together.
 */
export const JITTER = 0.2;

/** Delay before retry number `attempt` (1 for the first retry); `random` is in [0, 1). */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const delay = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(delay * (1 - JITTER + 2 * JITTER * random));
}
