export * from './timeline.ts';
export * from './chart.ts';
