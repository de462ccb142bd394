/**
 * The keyed produce endpoint's work (docs/kafka-layer.md, "Produce"): route each record to its
 * partition (routing.ts), wrap it in its envelope, and append each partition's records as one
 * append — atomic per partition, as a Kafka batch is; partitions are written side by side and
 * succeed or fail on their own. Every record's answer names its partition and, once written,
 * its own offset, the offset after it, its seq and its append time.
 */
import { envelopeText, formatOffset, type ProducedRecord, type ProducerClaim, ProtocolError } from "@rivulet/protocol";
import type { AppendResult } from "../../../engine/engine.js";
import { topicNotFound } from "../runtime/admin.js";
import type { TopicService } from "../runtime/service.js";
import { partitionClaim, requestError } from "./claims.js";
import { route, type StickyPartition } from "./routing.js";

export type RecordResult =
  | {
      readonly partition: number;
      readonly offset: string;
      readonly next_offset: string;
      readonly seq: number;
      readonly timestamp: number;
    }
  /** A retry the partition already had: written before, so its offsets are not known here. */
  | { readonly partition: number; readonly duplicate: true }
  | { readonly partition: number; readonly error: { readonly code: string; readonly message: string } };

export interface ProduceOutcome {
  /** 200: every record written (or a duplicate); 207: some partitions failed. */
  readonly status: 200 | 207;
  readonly records: RecordResult[];
  /** Records and envelope bytes written. */
  readonly written: { readonly records: number; readonly bytes: number };
}

const encoder = new TextEncoder();

export async function produce(
  service: TopicService,
  sticky: (topic: string) => StickyPartition,
  name: string,
  records: readonly ProducedRecord[],
  claims: ProducerClaim | ReadonlyMap<number, ProducerClaim> | undefined,
): Promise<ProduceOutcome> {
  service.ensureOpen();
  const topic = service.visible(name);
  if (!topic) throw topicNotFound(name);
  if (topic.config.cleanupPolicy === "compact") {
    const keyless = records.findIndex((record) => record.key === null);
    if (keyless !== -1) {
      throw new ProtocolError(
        "INVALID_RECORD",
        `Record ${keyless}: a compacted topic keeps records by key; it needs one`,
      );
    }
  }
  const perPartition = claims instanceof Map ? claims : undefined;
  const claim = perPartition ? undefined : (claims as ProducerClaim | undefined);
  if (perPartition) checkPartitionsClaimed(records, perPartition);
  const partitions = route(records, service.partitionCount(name) ?? topic.config.partitions, sticky(name), claim);
  const now = service.engine.now();
  const groups = new Map<number, number[]>();
  for (let i = 0; i < records.length; i++) {
    const group = groups.get(partitions[i]!);
    if (group) group.push(i);
    else groups.set(partitions[i]!, [i]);
  }
  const results = new Array<RecordResult>(records.length);
  const failures: ProtocolError[] = [];
  let writtenRecords = 0;
  let writtenBytes = 0;
  await Promise.all(
    [...groups].map(async ([partition, indices]) => {
      const texts = indices.map((i) => envelopeText(records[i]!, records[i]!.ts ?? now));
      const body = encoder.encode(`[${texts.join(",")}]`);
      try {
        const result = await append(
          service,
          name,
          partition,
          body,
          perPartition?.get(partition) ?? partitionClaim(claim),
        );
        placeResults(results, partition, indices, texts, result);
        if (result.written) {
          writtenRecords += indices.length;
          writtenBytes += body.length;
        }
      } catch (error) {
        const failure = claim ? requestError(error, claim) : error;
        if (!(failure instanceof ProtocolError)) throw failure;
        failures.push(failure);
        for (const i of indices) results[i] = { partition, error: { code: failure.code, message: failure.message } };
      }
    }),
  );
  // Everything failed alike: that error, with its headers (Retry-After, Producer-Epoch).
  if (failures.length === groups.size && failures.every((f) => f.code === failures[0]!.code)) throw failures[0];
  return {
    status: failures.length === 0 ? 200 : 207,
    records: results,
    written: { records: writtenRecords, bytes: writtenBytes },
  };
}

/**
 * With one claim per partition (`Producer-Partitions`) a retry must reach the same partitions:
 * every record names its partition, and the claims name exactly the partitions written.
 */
function checkPartitionsClaimed(records: readonly ProducedRecord[], claims: ReadonlyMap<number, ProducerClaim>): void {
  const written = new Set<number>();
  records.forEach((record, i) => {
    if (record.partition === undefined) {
      throw new ProtocolError(
        "INVALID_RECORD",
        `Record ${i}: with Producer-Partitions every record names its partition`,
      );
    }
    if (!claims.has(record.partition)) {
      throw new ProtocolError(
        "INVALID_PRODUCER_HEADERS",
        `Record ${i} goes to partition ${record.partition}, which Producer-Partitions does not number`,
      );
    }
    written.add(record.partition);
  });
  for (const partition of claims.keys()) {
    if (!written.has(partition)) {
      throw new ProtocolError(
        "INVALID_PRODUCER_HEADERS",
        `Producer-Partitions numbers partition ${partition}, but no record goes there`,
      );
    }
  }
}

async function append(
  service: TopicService,
  name: string,
  partition: number,
  body: Uint8Array,
  producer: ProducerClaim | undefined,
): Promise<AppendResult> {
  try {
    return await service.engine.append(service.paths.partition(name, partition), {
      body,
      hasBody: true,
      contentType: "application/json",
      close: false,
      streamSeq: undefined,
      producer,
    });
  } catch (error) {
    if (error instanceof ProtocolError && (error.code === "STREAM_NOT_FOUND" || error.code === "STREAM_GONE")) {
      throw new ProtocolError("PARTITION_NOT_FOUND", `Partition ${partition} of topic ${name} has no stream`);
    }
    throw error;
  }
}

/** Each record's offsets: the append's records are stored back to back, each as its text and ",\n". */
function placeResults(
  results: RecordResult[],
  partition: number,
  indices: readonly number[],
  texts: readonly string[],
  result: AppendResult,
): void {
  if (!result.written || !result.appended) {
    for (const i of indices) results[i] = { partition, duplicate: true };
    return;
  }
  const lengths = texts.map((text) => Buffer.byteLength(text) + 2);
  let position = result.tail - lengths.reduce((n, length) => n + length, 0);
  indices.forEach((index, k) => {
    const next = position + lengths[k]!;
    results[index] = {
      partition,
      offset: formatOffset(position),
      next_offset: formatOffset(next),
      seq: result.appended!.seq + k,
      timestamp: result.appended!.ts,
    };
    position = next;
  });
}
