export * from './decide.ts';
export * from './thresholds.ts';
export * from './f1.ts';
