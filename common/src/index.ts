export * from './errors.ts';
export * from './retry.ts';
export * from './env.ts';
export * from './logger.ts';
export * from './metrics.ts';
export * from './random.ts';
export { murmur2, murmur2Partition } from './murmur2.ts';
export { sortedPercentile } from './stats.ts';
export { intern } from './intern.ts';
