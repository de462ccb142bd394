/** Tries a handler up to `maxAttempts` times with jittered exponential backoff between tries. */
import { backoffMs, sleep } from "../http.js";

/** The last error, or undefined when a try succeeded; `attempts` says how many tries ran. */
export async function attempt(
  step: () => unknown,
  maxAttempts: number,
  baseBackoffMs: number,
  onRetry: (attempt: number, error: unknown) => void,
): Promise<{ error: unknown; attempts: number } | undefined> {
  for (let n = 1; ; n++) {
    try {
      await step();
      return undefined;
    } catch (error) {
      if (n >= maxAttempts) return { error, attempts: n };
      onRetry(n, error);
      await sleep(backoffMs(baseBackoffMs, n));
    }
  }
}
