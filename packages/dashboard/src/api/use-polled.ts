/**
 * A view's data, loaded now and refreshed every `intervalMs` through one poller (so at most one
 * request per interval), with its failure kept beside the last good answer. A new `key` (the
 * view shows something else) starts over.
 */
import { useEffect, useState } from "preact/hooks";
import { usePoll } from "./poller.js";

export interface Polled<T> {
  readonly data: T | undefined;
  readonly failure: unknown;
  readonly reload: () => Promise<void>;
}

export function usePolled<T>(load: () => Promise<T>, intervalMs: number, key: unknown = 0): Polled<T> {
  const [data, setData] = useState<T | undefined>();
  const [failure, setFailure] = useState<unknown>();
  const reload = async () => {
    try {
      setData(await load());
      setFailure(undefined);
    } catch (error) {
      setFailure(error);
    }
  };
  useEffect(() => {
    setData(undefined);
    setFailure(undefined);
  }, [key]);
  usePoll(reload, intervalMs, true, key);
  return { data, failure, reload };
}
