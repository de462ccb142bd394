/**
 * Groups items arriving over time into batches: a batch goes out when it is full (items or
 * bytes) or when the input pauses for `lingerMs`. Files fill batches at once; a slow pipe
 * still gets its data sent within the linger instead of waiting for a full batch.
 */

export interface CoalesceLimits {
  maxItems: number;
  maxBytes: number;
  lingerMs: number;
}

const PAUSED = Symbol("paused");

export async function* coalesce<T>(
  source: AsyncIterable<T>,
  sizeOf: (item: T) => number,
  limits: CoalesceLimits,
): AsyncGenerator<T[], void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  let group: T[] = [];
  let bytes = 0;
  // A read that outlives a linger is kept and awaited again, so no item is lost.
  let pending: Promise<IteratorResult<T>> | undefined;
  try {
    while (true) {
      pending ??= iterator.next();
      const result = group.length === 0 ? await pending : await withinLinger(pending, limits.lingerMs);
      if (result === PAUSED) {
        yield group;
        group = [];
        bytes = 0;
        continue;
      }
      pending = undefined;
      if (result.done) break;
      const size = sizeOf(result.value);
      if (group.length > 0 && bytes + size > limits.maxBytes) {
        yield group;
        group = [];
        bytes = 0;
      }
      group.push(result.value);
      bytes += size;
      if (group.length >= limits.maxItems || bytes >= limits.maxBytes) {
        yield group;
        group = [];
        bytes = 0;
      }
    }
    if (group.length > 0) yield group;
  } finally {
    if (pending === undefined) await iterator.return?.();
  }
}

function withinLinger<R>(pending: Promise<R>, lingerMs: number): Promise<R | typeof PAUSED> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const paused = new Promise<typeof PAUSED>((resolve) => {
    timer = setTimeout(() => resolve(PAUSED), lingerMs);
  });
  return Promise.race([pending, paused]).finally(() => clearTimeout(timer));
}
