import { createSimulator } from '../simulator.ts';
import type { Scenario } from '../scenario.ts';
import { createCardSimulator } from './card/simulator.ts';
import type { EventSource } from './events.ts';

export * from './events.ts';
export { createCardSimulator, type CardSimulator, type CardSimulatorOptions } from './card/simulator.ts';
export { simulateCard, collectCard, type SimulateCardOptions, type SimulatedCardData } from './card/offline.ts';
export { handbookCsv, handbookCsvLines, HANDBOOK_COLUMNS, HANDBOOK_SCENARIO_CODES } from './card/handbook-csv.ts';
export { MERCHANT_CATEGORIES, COUNTRIES, type MerchantCategory } from './card/catalog.ts';
export type { CardWorld } from './card/world.ts';

/** The simulator of the scenario's world (PaySim's by default). */
export function createWorldSimulator(options: {
  seed: string | number;
  scenario: Scenario;
  start?: number;
}): EventSource {
  return options.scenario.world === 'card' ? createCardSimulator(options) : createSimulator(options);
}
