/**
 * Where append groups go: straight to the stream, one request per group (each group lands
 * atomically), or through the client's idempotent producer, which batches, pipelines and
 * retries with (epoch, seq) so every item lands exactly once even across re-runs.
 */
import type { DurableStream } from "@rivulet/client";
import type { AppendGroup } from "./groups.js";

export interface AppendOutcome {
  /** The stream's tail after the last write (undefined when nothing was sent). */
  offset: string | undefined;
  /** Producer batches the server already had (a repeated run), so did not write again. */
  duplicates: number;
  /** The producer's epoch at the end (auto-claim may have raised it). */
  epoch?: number;
}

export interface AppendSink {
  write(group: AppendGroup): Promise<void>;
  /** Waits for everything written to be acknowledged. */
  finish(): Promise<AppendOutcome>;
}

export function directSink(handle: DurableStream): AppendSink {
  let offset: string | undefined;
  return {
    async write(group) {
      const result =
        group.kind === "bytes" ? await handle.append(group.bytes) : await handle.appendJsonBatch(group.messages);
      offset = result.offset;
    },
    async finish() {
      return { offset, duplicates: 0 };
    },
  };
}

export interface ProducerSettings {
  id: string;
  epoch: number;
  autoClaim: boolean;
}

/** Sealed batches allowed to wait before reading more input: bounds memory on huge inputs. */
const MAX_PENDING_BATCHES = 8;
/** Raw items handed to the producer are cut to this, far below its 1 MiB batch limit. */
const MAX_RAW_ITEM_BYTES = 256 * 1024;

export function producerSink(handle: DurableStream, settings: ProducerSettings): AppendSink {
  const producer = handle.producer(settings.id, { epoch: settings.epoch, autoClaim: settings.autoClaim });
  let duplicates = 0;
  return {
    async write(group) {
      if (group.kind === "messages") {
        for (const message of group.messages) producer.append(message);
      } else {
        for (let at = 0; at < group.bytes.length; at += MAX_RAW_ITEM_BYTES) {
          producer.append(group.bytes.subarray(at, at + MAX_RAW_ITEM_BYTES));
        }
      }
      if (producer.pendingBatches >= MAX_PENDING_BATCHES) duplicates += (await producer.flush()).duplicates;
    },
    async finish() {
      const closed = await producer.close();
      return { offset: closed.offset, duplicates: duplicates + closed.duplicates, epoch: producer.epoch };
    },
  };
}
