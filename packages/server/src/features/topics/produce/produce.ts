/**
 * The keyed produce endpoint's work (docs/kafka-layer.md, "Produce"): route each record to its
 * partition (routing.ts), wrap it in its envelope, and append each partition's records as one
 * append — atomic per partition, as a Kafka batch is; partitions are written side by side and
 * succeed or fail on their own. What each partition's append did is the outcome; answers.ts
 * turns it into the answer the client asked for (per record, or per partition).
 */
import {
  type FramedJson,
  frameEnvelopes,
  type ProducedRecord,
  type ProducerClaim,
  ProtocolError,
} from "@rivulet/protocol";
import type { AppendResult } from "../../../engine/engine.js";
import { topicNotFound } from "../runtime/admin.js";
import type { TopicService } from "../runtime/service.js";
import { partitionClaim, requestError } from "./claims.js";
import { route, type StickyPartition } from "./routing.js";

/** One partition's share of a request: its records (indices into the request) and its append's outcome. */
export interface PartitionWrite {
  readonly partition: number;
  readonly indices: readonly number[];
  /** The records' envelopes as stored (PROTOCOL §9.1: each one's text and ",\n"), in order. */
  readonly stored: Uint8Array;
  readonly outcome:
    | { readonly ok: true; readonly result: AppendResult }
    | { readonly ok: false; readonly error: ProtocolError };
}

export interface ProduceOutcome {
  /** 200: every record written (or a duplicate); 207: some partitions failed. */
  readonly status: 200 | 207;
  readonly records: number;
  /** In the order of each partition's first record in the request. */
  readonly partitions: readonly PartitionWrite[];
  /** Records and stored envelope bytes written. */
  readonly written: { readonly records: number; readonly bytes: number };
}

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
  const failures: ProtocolError[] = [];
  let writtenRecords = 0;
  let writtenBytes = 0;
  const writes = await Promise.all(
    [...groups].map(async ([partition, indices]): Promise<PartitionWrite> => {
      // Framed here, from records the request's parse validated: the engine stores them as they are.
      const envelopes = frameEnvelopes(records, indices, now);
      const write = { partition, indices, stored: envelopes.data };
      try {
        const result = await append(
          service,
          name,
          partition,
          envelopes,
          perPartition?.get(partition) ?? partitionClaim(claim),
        );
        if (result.written) {
          writtenRecords += indices.length;
          writtenBytes += envelopes.data.length;
        }
        return { ...write, outcome: { ok: true, result } };
      } catch (error) {
        const failure = claim ? requestError(error, claim) : error;
        if (!(failure instanceof ProtocolError)) throw failure;
        failures.push(failure);
        return { ...write, outcome: { ok: false, error: failure } };
      }
    }),
  );
  // Everything failed alike: that error, with its headers (Retry-After, Producer-Epoch).
  if (failures.length === groups.size && failures.every((f) => f.code === failures[0]!.code)) throw failures[0];
  return {
    status: failures.length === 0 ? 200 : 207,
    records: records.length,
    partitions: writes,
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
  body: FramedJson,
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
