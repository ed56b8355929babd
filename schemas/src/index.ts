export * from './types.ts';
export * from './topics.ts';
