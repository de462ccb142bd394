/**
 * Kafka's default partitioner for keyed records (docs/kafka-layer.md, "Partitioning"): the
 * partition of a key is `toPositive(murmur2(utf8(key))) % partitions`, exactly as the Java
 * client computes it, so a key lands in the same partition whichever client wrote it. Pure;
 * the SDK and the server's produce endpoint share it.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;
const utf8 = /* @__PURE__ */ new TextEncoder();

/**
 * MurmurHash2, 32-bit, as Kafka's `Utils.murmur2`: little-endian 4-byte words, the seed
 * mixed with the length, the tail bytes folded in last. Returns a signed 32-bit integer.
 * Every multiplication is a 32-bit one (Math.imul): a float multiply loses the low bits.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const words = length >>> 2;
  for (let i = 0; i < words; i++) {
    const at = i * 4;
    let k = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // The last 1–3 bytes, highest first, as the reference algorithm's fall-through switch.
  const tail = length & ~3;
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2]! << 16;
    if (rest >= 2) h ^= data[tail + 1]! << 8;
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: the sign bit cleared (not `Math.abs`, which differs for negatives). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition of a record with key `key` in a topic of `partitions` partitions. */
export function partitionForKey(key: string, partitions: number): number {
  return toPositive(murmur2(utf8.encode(key))) % partitions;
}
