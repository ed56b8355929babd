import type { Transaction } from '@fraud/schemas';
import type { Matrix } from '../api.ts';
import { featureInputProblem } from './engine/input.ts';
import { fsV2 } from './legacy.ts';
import { murmur2Partition } from './partition.ts';
import { resolveFeatureOptions, type CreateFeatureStateOptions, type FeatureState } from './state.ts';

export { featureInputProblem };

/**
 * The partition that owns an origin account's transactions (kafkajs default partitioner).
 * Origin features need every transaction of an origin in one partition: publishers key by
 * origin account.
 */
export function partitionOf(originAccount: string, numPartitions: number): number {
  return numPartitions === 1 ? 0 : murmur2Partition(originAccount, numPartitions);
}

/**
 * fs-v2 rows for `txs` in the given order, each from the history strictly before it, each
 * folded into `state` (and its destination view) after its row is written: the spec engine's
 * online compute (engine/compile.ts). Destination features read the view as it is: online, the
 * caller first waits until the view has read every partition up to the batch's newest eventTime
 * (scorer/src/dest-view.ts). A bad batch leaves the state unchanged.
 */
export function computeFeatures(txs: readonly Transaction[], state: FeatureState, out?: Float32Array): Float32Array {
  return fsV2(state.options).compute(txs, state, out);
}

export interface FileFeaturesOptions extends Omit<CreateFeatureStateOptions, 'partition' | 'view'> {
  onProgress?: (done: number, total: number) => void;
}

/**
 * Offline fs-v2 features for a whole history sorted by eventTime: one origin history and one
 * destination view, which is what the scorer instances hold between them, so training sees what
 * scoring will see.
 */
export function featuresForFile(txs: readonly Transaction[], opts: FileFeaturesOptions = {}): Matrix {
  const { onProgress, ...options } = opts;
  const o = resolveFeatureOptions(options);
  return fsV2(o).computeFile(txs, [], onProgress === undefined ? {} : { onProgress });
}
