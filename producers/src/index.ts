export * from './rng.ts';
export * from './heap.ts';
export * from './duration.ts';
export * from './calibration.ts';
export { amountAt, toMinor } from './amounts.ts';
export * from './scenario.ts';
export * from './labels.ts';
export {
  createSimulator,
  simulate,
  type SimEvent,
  type Simulator,
  type SimulatorOptions,
  type SimulatorStats,
} from './simulator.ts';
export * from './worlds/index.ts';
export { TYPOLOGIES, type Typology, type FraudContext } from './typologies/index.ts';
export { NIGHT_FROM_HOUR, NIGHT_TO_HOUR } from './typologies/new-payee-night.ts';
export * from './csv.ts';
export * from './replay-map.ts';
export * from './rejects.ts';
export * from './pacing.ts';
export * from './publisher.ts';
export * from './metrics.ts';
export * from './progress.ts';
export * from './env.ts';
export * from './run-simulate.ts';
export * from './run-replay.ts';
export * from './wiring.ts';
