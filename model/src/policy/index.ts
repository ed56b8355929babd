export * from './decide.ts';
export * from './thresholds.ts';
