export * from './paths.ts';
export * from './kafka-runtime.ts';
