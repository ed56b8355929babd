/**
 * XGBoost JSON model -> ONNX. The graph is
 *   features[N,F] --ai.onnx.ml.TreeEnsembleRegressor(SUM, base_values=logit(base_score))--> margin[N,1]
 *                 --Sigmoid--> probability[N,1]
 * A regressor plus Sigmoid rather than TreeEnsembleClassifier: the classifier's binary
 * special case rewrites scores when every leaf weight is positive, the regressor never does.
 * Parity rules (onnxruntime#11892 came from breaking the first one):
 *   - thresholds are XGBoost's float32 values, compared as float32: BRANCH_LT (x < t goes left);
 *   - NaN follows default_left: missing_value_tracks_true = default_left (true branch = left);
 *   - base_score is a probability in the JSON and a margin in base_values.
 */
import type { FlatTree, XGBoostModel } from '../xgboost/model-json.ts';
import { parseXGBoostModel } from '../xgboost/model-json.ts';
import { ElemType, encodeModel, type Attribute } from './onnx-proto.ts';

export const ONNX_INPUT = 'features';
export const ONNX_OUTPUT = 'probability';
export const ONNX_MARGIN = 'margin';

export interface ConvertOptions {
  /** Recorded in the ONNX metadata_props; defaults to the names in the XGBoost model. */
  featureNames?: readonly string[];
  /** Extra metadata_props (model version, feature set...). */
  metadata?: Record<string, string>;
}

export function xgboostJsonToOnnx(modelJson: string, options: ConvertOptions = {}): Uint8Array {
  return modelToOnnx(parseXGBoostModel(modelJson), options);
}

interface EnsembleArrays {
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  modes: string[];
  values: number[];
  trueIds: number[];
  falseIds: number[];
  missingTracksTrue: number[];
  targetTreeIds: number[];
  targetNodeIds: number[];
  targetWeights: number[];
}

function flatten(trees: FlatTree[]): EnsembleArrays {
  const a: EnsembleArrays = {
    treeIds: [],
    nodeIds: [],
    featureIds: [],
    modes: [],
    values: [],
    trueIds: [],
    falseIds: [],
    missingTracksTrue: [],
    targetTreeIds: [],
    targetNodeIds: [],
    targetWeights: [],
  };
  trees.forEach((tree, t) => {
    for (let i = 0; i < tree.nodes; i++) {
      const left = tree.left[i] ?? -1;
      const leaf = left === -1;
      a.treeIds.push(t);
      a.nodeIds.push(i);
      a.featureIds.push(leaf ? 0 : (tree.feature[i] ?? 0));
      a.modes.push(leaf ? 'LEAF' : 'BRANCH_LT');
      a.values.push(leaf ? 0 : (tree.threshold[i] ?? 0));
      a.trueIds.push(leaf ? 0 : left);
      a.falseIds.push(leaf ? 0 : (tree.right[i] ?? 0));
      a.missingTracksTrue.push(leaf ? 0 : (tree.defaultLeft[i] ?? 0));
      if (leaf) {
        a.targetTreeIds.push(t);
        a.targetNodeIds.push(i);
        a.targetWeights.push(tree.value[i] ?? 0);
      }
    }
  });
  return a;
}

export function modelToOnnx(model: XGBoostModel, options: ConvertOptions = {}): Uint8Array {
  const a = flatten(model.trees);
  const attributes: Attribute[] = [
    { name: 'n_targets', kind: 'int', value: 1 },
    { name: 'aggregate_function', kind: 'string', value: 'SUM' },
    { name: 'post_transform', kind: 'string', value: 'NONE' },
    { name: 'base_values', kind: 'floats', value: [model.baseMargin] },
    { name: 'nodes_treeids', kind: 'ints', value: a.treeIds },
    { name: 'nodes_nodeids', kind: 'ints', value: a.nodeIds },
    { name: 'nodes_featureids', kind: 'ints', value: a.featureIds },
    { name: 'nodes_modes', kind: 'strings', value: a.modes },
    { name: 'nodes_values', kind: 'floats', value: a.values },
    { name: 'nodes_truenodeids', kind: 'ints', value: a.trueIds },
    { name: 'nodes_falsenodeids', kind: 'ints', value: a.falseIds },
    { name: 'nodes_missing_value_tracks_true', kind: 'ints', value: a.missingTracksTrue },
    { name: 'target_treeids', kind: 'ints', value: a.targetTreeIds },
    { name: 'target_nodeids', kind: 'ints', value: a.targetNodeIds },
    { name: 'target_ids', kind: 'ints', value: new Array<number>(a.targetNodeIds.length).fill(0) },
    { name: 'target_weights', kind: 'floats', value: a.targetWeights },
  ];
  const names = options.featureNames ?? model.featureNames;
  return encodeModel({
    irVersion: 8,
    opsets: [
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    producerName: '@fraud/model',
    producerVersion: '1',
    docString: `XGBoost binary:logistic, ${model.trees.length} trees, base_score ${model.baseScore}`,
    graphName: 'xgboost',
    nodes: [
      {
        opType: 'TreeEnsembleRegressor',
        domain: 'ai.onnx.ml',
        name: 'trees',
        inputs: [ONNX_INPUT],
        outputs: [ONNX_MARGIN],
        attributes,
      },
      { opType: 'Sigmoid', domain: '', name: 'sigmoid', inputs: [ONNX_MARGIN], outputs: [ONNX_OUTPUT], attributes: [] },
    ],
    inputs: [{ name: ONNX_INPUT, elemType: ElemType.FLOAT, dims: ['N', model.numFeature] }],
    outputs: [{ name: ONNX_OUTPUT, elemType: ElemType.FLOAT, dims: ['N', 1] }],
    metadata: { feature_names: JSON.stringify(names), trees: String(model.trees.length), ...options.metadata },
  });
}
