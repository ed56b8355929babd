export * from './types.ts';
export * from './topics.ts';
export * from './control.ts';
