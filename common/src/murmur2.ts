/**
 * Kafka's default key partitioner, as a pure function: murmur2 of the key's UTF-8 bytes,
 * made positive with & 0x7fffffff, modulo the partition count. Identical to kafkajs's
 * DefaultPartitioner and to the Java client's (librdkafka needs partitioner=murmur2_random).
 * kafkajs computes it with 64-bit longs and keeps the low 32 bits; Math.imul gives the same
 * low 32 bits directly.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

export function murmur2(key: string | Uint8Array): number {
  const data = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4] ?? 0) | ((data[i4 + 1] ?? 0) << 8) | ((data[i4 + 2] ?? 0) << 16) | ((data[i4 + 3] ?? 0) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  switch (length & 3) {
    case 3:
      h ^= (data[tail + 2] ?? 0) << 16;
    // falls through
    case 2:
      h ^= (data[tail + 1] ?? 0) << 8;
    // falls through
    case 1:
      h ^= data[tail] ?? 0;
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition kafkajs's DefaultPartitioner picks for this key. */
export function murmur2Partition(key: string | Uint8Array, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  }
  return (murmur2(key) & 0x7fffffff) % numPartitions;
}
