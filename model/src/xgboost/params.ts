import type { TrainParams } from '../api.ts';

/**
 * TrainParams from what a caller chooses (rounds, depth, learning rate, and whatever else it sets);
 * the rest is XGBoost's neutral default: no early stopping, no row or column subsampling,
 * min_child_weight 1, lambda 1, scale_pos_weight from the data, one thread, seed 1.
 */
export function trainParams(
  chosen: Pick<TrainParams, 'rounds' | 'maxDepth' | 'eta'> & Partial<TrainParams>,
): TrainParams {
  return {
    earlyStoppingRounds: 0,
    subsample: 1,
    colsampleBytree: 1,
    minChildWeight: 1,
    lambda: 1,
    scalePosWeight: null,
    nthread: 1,
    seed: 1,
    ...chosen,
  };
}
