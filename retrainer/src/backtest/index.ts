export * from './backtest.ts';
export * from './topic-source.ts';
export * from './csv-source.ts';
