export * from './metrics.ts';
export * from './cost.ts';
export * from './report.ts';
export * from './format.ts';
export * from './ranking.ts';
export * from './quality.ts';
