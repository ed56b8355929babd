export * from './env.ts';
export * from './schemas.ts';
export * from './openapi.ts';
export * from './keys.ts';
export * from './rate-limit.ts';
export * from './decisions.ts';
export * from './app.ts';
export * from './service.ts';
