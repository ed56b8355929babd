export * from './paths.ts';
export * from './env.ts';
export * from './kafka-runtime.ts';
export * from './topics.ts';
export * from './processes.ts';
export * from './stack.ts';
export * from './prometheus.ts';
