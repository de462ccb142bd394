/**
 * Job: fill a data directory through Rivulet's FileStore directly (much faster than over
 * HTTP, same files on disk): `streams` streams of `bytesPerStream` bytes each, fsync mode.
 * With `crash`, the store is never closed, so the directory is left as a crash leaves it
 * (acknowledged data in the log, no final checkpoint).
 */

import { binaryBody } from "@rivulet/load";
import { FileStore } from "@rivulet/server";

export interface FillFileStoreParams {
  readonly dir: string;
  readonly streams: number;
  readonly bytesPerStream: number;
  /** Creates in flight at once. */
  readonly batch: number;
  readonly crash: boolean;
}

export interface FillFileStoreResult {
  readonly streams: number;
  readonly bytes: number;
  readonly seconds: number;
}

export async function fillFileStore(params: FillFileStoreParams): Promise<FillFileStoreResult> {
  const store = new FileStore({ dir: params.dir, durability: "fsync" });
  await store.open();
  const data = binaryBody(params.bytesPerStream);
  const started = performance.now();
  for (let i = 0; i < params.streams; i += params.batch) {
    const creates: Promise<void>[] = [];
    for (let j = i; j < Math.min(params.streams, i + params.batch); j++) {
      const meta = {
        path: `/v1/stream/restart-${j}`,
        contentType: "application/octet-stream",
        lifetime: {},
        createdAt: Date.now(),
        retention: {},
      };
      creates.push(
        store.create(meta, {
          position: 0,
          data,
          producer: undefined,
          streamSeq: undefined,
          close: false,
          ts: Date.now(),
          messages: 1,
        }),
      );
    }
    await Promise.all(creates);
  }
  const seconds = (performance.now() - started) / 1000;
  if (!params.crash) await store.close();
  return { streams: params.streams, bytes: params.streams * params.bytesPerStream, seconds };
}
