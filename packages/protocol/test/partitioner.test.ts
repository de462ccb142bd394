/**
 * Keyed produce matches KafkaJS's partitioner (its default, the Java-compatible murmur2 one)
 * on the same keys: the same key lands in the same partition whichever client wrote it.
 */
import { murmur2, partitionForKey, toPositive } from "@rivulet/protocol";
import fc from "fast-check";
import { Partitioners, type PartitionMetadata } from "kafkajs";
import { describe, expect, test } from "vitest";

const encoder = new TextEncoder();

/** Any Unicode text: code points from every plane (surrogates excepted: they are not characters). */
const unicodeKey = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0xd7ff }),
      fc.integer({ min: 0xe000, max: 0x10ffff }),
    ),
    { maxLength: 40 },
  )
  .map((points) => String.fromCodePoint(...points));

// KafkaJS's own partitioner, used as the oracle.
const kafkajs = Partitioners.DefaultPartitioner();

const metadata = new Map<number, PartitionMetadata[]>();

function oraclePartition(key: string, partitions: number): number {
  let partitionMetadata = metadata.get(partitions);
  if (!partitionMetadata) {
    partitionMetadata = Array.from({ length: partitions }, (_, i) => ({
      partitionId: i,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    metadata.set(partitions, partitionMetadata);
  }
  return kafkajs({ topic: "t", partitionMetadata, message: { key, value: "v" } });
}

describe("murmur2", () => {
  test("Kafka's own test vectors (UtilsTest#testMurmur2)", () => {
    const vectors: Array<[string, number]> = [
      ["21", -973932308],
      ["foobar", -790332482],
      ["a-little-bit-long-string", -985981536],
      ["a-little-bit-longer-string", -1486304829],
      ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
      ["abc", 479470107],
    ];
    for (const [key, hash] of vectors) expect(murmur2(encoder.encode(key)), key).toBe(hash);
  });

  test("toPositive clears the sign bit, unlike Math.abs", () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(5)).toBe(5);
  });
});

describe("partitionForKey against KafkaJS", () => {
  test("property: any Unicode key, any partition count, the same partition", () => {
    fc.assert(
      fc.property(unicodeKey, fc.integer({ min: 1, max: 256 }), (key, count) => {
        expect(partitionForKey(key, count)).toBe(oraclePartition(key, count));
      }),
      { numRuns: 2000 },
    );
  });

  test("property: keys of every length (all four tail cases), 12 partitions", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 300 }), (key) => {
        expect(partitionForKey(key, 12)).toBe(oraclePartition(key, 12));
      }),
      { numRuns: 3000 },
    );
  });

  test("ten thousand sequential keys spread over every partition, as KafkaJS spreads them", () => {
    const counts = new Array(12).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const key = `user-${i}`;
      const partition = partitionForKey(key, 12);
      expect(partition).toBe(oraclePartition(key, 12));
      counts[partition]++;
    }
    for (const n of counts) expect(n).toBeGreaterThan(600);
  });
});
