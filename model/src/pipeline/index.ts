export * from './split.ts';
export * from './matrix.ts';
export * from './fingerprint.ts';
export * from './importance.ts';
export * from './train.ts';
export * from './direct-artifact.ts';
export * from './score.ts';
export * from './model-spec.ts';
