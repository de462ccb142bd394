/**
 * Async-iterable operators on a consumer — `filter`, `map`, `take` — and push-style
 * `subscribe({ next, error, complete })`. Lazy: nothing is fetched until iterated. When the
 * iteration ends (a `take` reached its count, a `break`, an error), the consumer closes: its
 * finished records are committed and it leaves the group.
 */
export type MaybePromise<T> = T | Promise<T>;

export interface Observer<R> {
  /** Each item; the next comes once its promise settles. A throw ends the subscription with `error`. */
  next?: (item: R) => MaybePromise<unknown>;
  error?: (error: unknown) => void;
  /** The consumer closed (not called after `unsubscribe()`). */
  complete?: () => void;
}

export interface Subscription {
  /** Stops delivering and closes the consumer; resolves once it has left the group. */
  unsubscribe(): Promise<void>;
  readonly closed: boolean;
}

/** Something an operator chain reads from, with the consumer behind it. */
export class RecordStream<R> implements AsyncIterable<R> {
  constructor(
    private readonly consumer: ConsumerLike,
    private readonly source: () => AsyncIterator<R>,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<R> {
    return this.source();
  }

  stream(): RecordStream<R> {
    return this;
  }

  /** Only the items for which `predicate` holds; the others count as handled. */
  filter(predicate: (item: R) => MaybePromise<boolean>): RecordStream<R> {
    const upstream = this;
    return new RecordStream(this.consumer, async function* () {
      for await (const item of upstream) if (await predicate(item)) yield item;
    });
  }

  map<U>(transform: (item: R) => MaybePromise<U>): RecordStream<U> {
    const upstream = this;
    return new RecordStream(this.consumer, async function* () {
      for await (const item of upstream) yield await transform(item);
    });
  }

  /** The first `count` items; then the consumer closes, the last one counting as handled once the loop moves past it. */
  take(count: number): RecordStream<R> {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`take() needs a whole count ≥ 0, got ${count}`);
    const { consumer } = this;
    const upstream = this;
    return new RecordStream(this.consumer, async function* () {
      if (count === 0) return;
      let taken = 0;
      for await (const item of upstream) {
        yield item;
        if (++taken >= count) {
          // The loop asked for more after the last: that one is handled, as asking for a next record says.
          consumer.finishCurrent();
          return;
        }
      }
    });
  }

  subscribe(observer: Observer<R> | ((item: R) => MaybePromise<unknown>)): Subscription {
    return subscribe(this.consumer, this, typeof observer === "function" ? { next: observer } : observer);
  }
}

/** What operators need of a consumer, whatever its record type. */
export interface ConsumerLike {
  finishCurrent(): void;
  close(): Promise<void>;
}

export function subscribe<R>(consumer: ConsumerLike, source: AsyncIterable<R>, observer: Observer<R>): Subscription {
  let closed = false;
  let cancelled = false;
  const run = (async () => {
    try {
      for await (const item of source) {
        if (cancelled) break;
        await observer.next?.(item);
      }
      if (!cancelled) observer.complete?.();
    } catch (error) {
      if (!cancelled) observer.error?.(error);
    } finally {
      closed = true;
      await consumer.close().catch(() => {});
    }
  })();
  return {
    async unsubscribe() {
      cancelled = true;
      await consumer.close();
      await run;
    },
    get closed() {
      return closed;
    },
  };
}

/** `filter(consumer, predicate)`: the function form of the operator (the seed's `filter($consumer, fn)`). */
export function filter<R>(
  source: AsyncIterableWithStream<R>,
  predicate: (item: R) => MaybePromise<boolean>,
): RecordStream<R> {
  return source.stream().filter(predicate);
}

export function map<R, U>(
  source: AsyncIterableWithStream<R>,
  transform: (item: R) => MaybePromise<U>,
): RecordStream<U> {
  return source.stream().map(transform);
}

export function take<R>(source: AsyncIterableWithStream<R>, count: number): RecordStream<R> {
  return source.stream().take(count);
}

export interface AsyncIterableWithStream<R> {
  stream(): RecordStream<R>;
}

/**
 * The operators of a consumer (the SDK's and MockKafka's alike): anything that yields records,
 * closes, and can count the record in the loop's hands as handled.
 */
export abstract class OperatorSource<R> implements AsyncIterable<R>, ConsumerLike {
  abstract close(): Promise<void>;
  abstract finishCurrent(): void;
  /** The next record for a `for await` loop, held as the loop's current one (undefined once closed). */
  protected abstract nextForLoop(): Promise<R | undefined>;

  [Symbol.asyncIterator](): AsyncIterator<R> {
    return {
      next: async () => {
        // Asking for the next record finishes the one before: the loop is sequential.
        this.finishCurrent();
        const record = await this.nextForLoop();
        return record === undefined ? { done: true, value: undefined } : { done: false, value: record };
      },
      // Breaking out of the loop closes the consumer.
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** The records as an operator chain: `consumer.stream().filter(…).map(…)`. */
  stream(): RecordStream<R> {
    return new RecordStream(this, () => this[Symbol.asyncIterator]());
  }

  /** Only records for which `predicate` holds (the others count as handled). Closes the consumer when the iteration ends. */
  filter(predicate: (record: R) => MaybePromise<boolean>): RecordStream<R> {
    return this.stream().filter(predicate);
  }

  map<U>(transform: (record: R) => MaybePromise<U>): RecordStream<U> {
    return this.stream().map(transform);
  }

  /** The first `count` records, then the consumer closes. */
  take(count: number): RecordStream<R> {
    return this.stream().take(count);
  }

  /** Push-style: `next` for each record (awaited before the next), `error` on failure, `complete` when the consumer closes. */
  subscribe(observer: Observer<R> | ((record: R) => unknown)): Subscription {
    return this.stream().subscribe(observer);
  }
}
