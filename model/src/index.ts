export * from './api.ts';
export { trainXGBoost, computeScalePosWeight } from './xgboost/train.ts';
export { trainParams } from './xgboost/params.ts';
export { predictNative, predictContribsNative, loadNativeModel, type NativeModel } from './xgboost/predict.ts';
export { xgboostVersion, resolveLibraryPath } from './xgboost/library.ts';
export { parseXGBoostModel, type XGBoostModel, type FlatTree } from './xgboost/model-json.ts';
export { xgboostJsonToOnnx, ONNX_INPUT, ONNX_OUTPUT } from './onnx/convert.ts';
export { createExplainer, type Explainer } from './explain/explainer.ts';
export { createServingModel, onnxruntimeVersion, type ServingModelSource } from './serving/serving-model.ts';
export { sha256Hex, verifyChecksum, smokeTest, verifyModel, parityMaxAbsDiff, verifyParity } from './serving/verify.ts';
export {
  writeArtifact,
  readArtifact,
  ARTIFACT_FILES,
  type Artifact,
  type ArtifactMetadata,
  type ArtifactMetadataInput,
} from './serving/artifact.ts';
export * from './features/index.ts';
export * from './csv/index.ts';
export * from './eval/index.ts';
export * from './policy/index.ts';
export * from './pipeline/index.ts';
export * from './rules/index.ts';
