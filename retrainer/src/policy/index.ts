export * from './schema.ts';
export * from './manager.ts';
export * from './file-watcher.ts';
