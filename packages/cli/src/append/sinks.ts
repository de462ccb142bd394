/**
 * Where append groups go: straight to the stream, one request per group (each group lands
 * atomically), or through the client's idempotent producer, which batches, pipelines and
 * retries with (epoch, seq) so every item lands exactly once even across re-runs.
 */
import type { DurableStream } from "@rivulet/client";
import { IdempotentProducer } from "@rivulet/client/producer";
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

/** Batches cut between flushes: bounds memory on huge inputs. */
const BATCHES_PER_FLUSH = 8;
/** Raw input is cut into items of exactly this size (the last may be shorter): 4 per 1 MiB batch. */
const RAW_ITEM_BYTES = 256 * 1024;

/**
 * Writes through the idempotent producer so that a re-run of the same input lands nothing
 * twice. The server recognises a batch by (epoch, seq), so every run must cut the same input
 * into the same batches: items are cut by input position, not by how reads happened to
 * arrive; batches only by size (no linger); flushes after every BATCHES_PER_FLUSH batches
 * cut. The cost: a partial batch waits for more input or its end, so a live pipe is better
 * appended without --producer.
 */
export function producerSink(handle: DurableStream, settings: ProducerSettings): AppendSink {
  const producer = new IdempotentProducer(handle, settings.id, {
    epoch: settings.epoch,
    autoClaim: settings.autoClaim,
    lingerMs: Number.POSITIVE_INFINITY,
  });
  let duplicates = 0;
  let sealedAtFlush = 0;
  /** Raw input not yet cut into an item. */
  let rest: Uint8Array = new Uint8Array(0);
  const flush = async () => {
    duplicates += (await producer.flush()).duplicates;
    sealedAtFlush = producer.sealedBatches;
  };
  const append = async (item: unknown) => {
    producer.append(item);
    if (producer.sealedBatches - sealedAtFlush >= BATCHES_PER_FLUSH) await flush();
  };
  return {
    async write(group) {
      if (group.kind === "messages") {
        for (const message of group.messages) await append(message);
        return;
      }
      const bytes = rest.length === 0 ? group.bytes : Buffer.concat([rest, group.bytes]);
      let at = 0;
      for (; bytes.length - at >= RAW_ITEM_BYTES; at += RAW_ITEM_BYTES) {
        await append(bytes.subarray(at, at + RAW_ITEM_BYTES));
      }
      rest = bytes.subarray(at);
    },
    async finish() {
      if (rest.length > 0) producer.append(rest);
      const closed = await producer.close();
      return { offset: closed.offset, duplicates: duplicates + closed.duplicates, epoch: producer.epoch };
    },
  };
}
