import { describe, expect, it } from 'vitest';
import { type PartitionerArgs, Partitioners } from '@fraud/kafka';
import { murmur2, murmur2Partition } from '../../src/features/index.ts';
import { rng } from './helpers.ts';

function kafkajsPartition(key: string, numPartitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: numPartitions }, (_, i) => ({
    partitionId: i,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return partitioner({ topic: 't', partitionMetadata, message: { key, value: null } } as PartitionerArgs);
}

describe('murmur2Partition', () => {
  it("matches the Java client on Kafka's own murmur2 test vectors", () => {
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
    expect(murmur2('a-little-bit-longer-string')).toBe(-1486304829);
    expect(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
    expect(murmur2(new Uint8Array([97, 98, 99]))).toBe(479470107);
  });

  it('picks the same partition as kafkajs DefaultPartitioner for PaySim names, random and unicode keys', () => {
    const rand = rng(42);
    const alphabet = 'abcXYZ019 _-é漢😀';
    const keys: string[] = ['', 'C1231006815', 'M1979787155', 'C553264065'];
    for (let i = 0; i < 1500; i++) {
      if (i % 3 === 0) keys.push(`C${Math.floor(rand() * 2e9)}`);
      else {
        const len = Math.floor(rand() * 24);
        let s = '';
        for (let j = 0; j < len; j++) s += [...alphabet][Math.floor(rand() * [...alphabet].length)];
        keys.push(s);
      }
    }
    let mismatches = 0;
    for (const [i, key] of keys.entries()) {
      const n = 1 + (i % 16);
      if (murmur2Partition(key, n) !== kafkajsPartition(key, n)) mismatches++;
    }
    expect(mismatches).toBe(0);
    // and the keys really spread over partitions (not a constant function)
    const seen = new Set(keys.map((k) => murmur2Partition(k, 8)));
    expect(seen.size).toBe(8);
  });

  it('rejects a bad partition count', () => {
    expect(() => murmur2Partition('C1', 0)).toThrow(RangeError);
  });
});
