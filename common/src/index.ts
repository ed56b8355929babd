export * from './errors.ts';
export * from './retry.ts';
export * from './env.ts';
export * from './logger.ts';
export * from './metrics.ts';
export * from './random.ts';
