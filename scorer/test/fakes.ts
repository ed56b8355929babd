import { FraudError } from '@fraud/common';
import type { ServingModel } from '@fraud/model';
import type { Reason, Transaction } from '@fraud/schemas';
import type { ActiveModel } from '../src/models.ts';
import type { FeatureModule, SpecStates } from '../src/ports.ts';
import { featureModule } from '../src/runtime.ts';

/** The fs-v2 module the unit tests score with (one destination view for the whole file). */
export const FS_V2 = featureModule();

/** A partition's states with one spec (fs-v2 by default), as a task holds them. */
export function specStates(partition = 0, features: FeatureModule = FS_V2): SpecStates {
  return new Map([[features.hash, features.createState(partition)]]);
}

/**
 * Unit-test stand-ins only (integration tests use the real codecs and ONNX models):
 * a "model" whose score is a fixed function of one feature column, and a JSON "codec" that
 * raises the same typed errors as the real one.
 */
export function fakeServing(
  version: string,
  cols: number,
  scoreOf: (row: Float32Array) => number,
): ServingModel & { disposed: boolean; calls: number } {
  const m = {
    version,
    featureSet: 'fs-v2',
    featureNames: Array.from({ length: cols }, (_, i) => `f${i}`),
    disposed: false,
    calls: 0,
    async predict(matrix: { data: Float32Array; rows: number; cols: number }) {
      m.calls++;
      const out = new Float32Array(matrix.rows);
      for (let r = 0; r < matrix.rows; r++)
        out[r] = scoreOf(matrix.data.subarray(r * matrix.cols, (r + 1) * matrix.cols));
      return out;
    },
    explain(row: Float32Array, topK: number): Reason[] {
      return Array.from({ length: Math.min(topK, row.length) }, (_, i) => ({
        feature: `f${i}`,
        value: row[i] ?? 0,
        contribution: 1 / (i + 1),
      }));
    },
    async dispose() {
      m.disposed = true;
    },
  };
  return m;
}

export function activeModel(
  serving: ServingModel,
  role: 'CHAMPION' | 'SHADOW' = 'CHAMPION',
  thresholds = { review: 0.5, block: 0.9 },
  features: FeatureModule = FS_V2,
): ActiveModel {
  return { role, version: serving.version, sha256: 'x', thresholds, serving, features };
}

export function tx(i: number, over: Partial<Transaction> = {}): Transaction {
  return {
    txId: `tx-${i}`,
    eventTime: Date.UTC(2025, 0, 1) + i * 60_000,
    type: 'TRANSFER',
    amount: 1_000 * (i + 1),
    currency: 'USD',
    originAccount: `C${i % 3}`,
    originBalanceBefore: 100_000,
    destAccount: `C-dest-${i % 2}`,
    destBalanceBefore: 0,
    channel: null,
    attributes: {},
    ...over,
  };
}

/** JSON bytes with a 5-byte header: 0 + schema id 1; mimics the real codec's typed errors. */
export const jsonCodec = {
  schemaId: 1,
  encode(value: Transaction): Buffer {
    return Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), Buffer.from(JSON.stringify(value))]);
  },
  async decode(buf: Buffer): Promise<Transaction> {
    if (buf.length < 5) throw new FraudError('DECODE_TRUNCATED', 'short');
    if (buf[0] !== 0) throw new FraudError('DECODE_WRONG_MAGIC', `magic ${buf[0]}`);
    if (buf.readInt32BE(1) !== 1) throw new FraudError('DECODE_UNKNOWN_SCHEMA', `id ${buf.readInt32BE(1)}`);
    try {
      return JSON.parse(buf.subarray(5).toString()) as Transaction;
    } catch (err: unknown) {
      throw new FraudError('DECODE_FAILED', 'not json', { cause: err });
    }
  },
};
