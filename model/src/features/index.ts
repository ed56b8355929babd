export * from './names.ts';
export * from './partition.ts';
export * from './view.ts';
export * from './state.ts';
export * from './compute.ts';
export * from './compat.ts';
export * from './spec/index.ts';
export * from './engine/index.ts';
