/** Time helpers for bounded loops. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const nowMs = () => performance.now();

/** Resolves with `promise`, or rejects after `ms` with `what` in the message. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
