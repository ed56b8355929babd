import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createMetricsRegistry } from '@fraud/common';
import type { TrainingStore } from '../store/training-store.ts';
import type { SchedulerStatus } from './scheduler.ts';

/**
 * fraud_retrainer_* metrics on the service's own registry. Ingest counters are the store's
 * persistent counters (they survive restarts), read at scrape time.
 */
export interface RetrainerMetrics {
  registry: Registry;
  runs: Counter<'status'>;
  runSeconds: Histogram;
  policyEdits: Counter<'source' | 'accepted'>;
  publications: Counter<'role' | 'action'>;
}

export interface RetrainerMetricsDeps {
  training: TrainingStore;
  status: () => SchedulerStatus;
  live: () => { champion: string | null; shadow: string | null };
}

export function createRetrainerMetrics(deps: RetrainerMetricsDeps): RetrainerMetrics {
  const registry = createMetricsRegistry('retrainer');
  registerStoreMetrics(registry, deps);
  registerModelMetrics(registry, deps);
  return { registry, ...createRunMetrics(registry) };
}

/** The training store's persistent counters and sizes, read at scrape time. */
function registerStoreMetrics(registry: Registry, deps: RetrainerMetricsDeps): void {
  new Counter({
    name: 'fraud_retrainer_records_total',
    help: 'Records ingested into the training store by outcome',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      const c = await deps.training.counters();
      this.reset();
      for (const [k, v] of Object.entries(c)) this.inc({ outcome: k }, v);
    },
  });
  new Gauge({
    name: 'fraud_retrainer_store_rows',
    help: 'Rows in the training store',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const s = await deps.training.stats();
      this.set({ kind: 'scored' }, s.scored);
      this.set({ kind: 'labelled' }, s.labels);
      this.set({ kind: 'pending_labels' }, s.pending);
    },
  });
}

/** Drift, live quality, the models in force and whether a run is going, read at scrape time. */
function registerModelMetrics(registry: Registry, deps: RetrainerMetricsDeps): void {
  new Gauge({
    name: 'fraud_retrainer_psi',
    help: 'Population stability index against the champion training window',
    labelNames: ['series'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [k, v] of Object.entries(deps.status().psi)) this.set({ series: k }, v);
    },
  });
  new Gauge({
    name: 'fraud_retrainer_live_quality',
    help: 'Champion recall/precision over recent labels',
    labelNames: ['metric'],
    registers: [registry],
    collect() {
      this.reset();
      const l = deps.status().live;
      if (l) {
        this.set({ metric: 'recall' }, l.recall);
        this.set({ metric: 'precision' }, l.precision);
      }
    },
  });
  new Gauge({
    name: 'fraud_retrainer_model_info',
    help: 'Models in force (value 1)',
    labelNames: ['role', 'version'],
    registers: [registry],
    collect() {
      this.reset();
      const l = deps.live();
      if (l.champion) this.set({ role: 'champion', version: l.champion }, 1);
      if (l.shadow) this.set({ role: 'shadow', version: l.shadow }, 1);
    },
  });
  new Gauge({
    name: 'fraud_retrainer_run_in_progress',
    help: '1 while a retraining run is in progress',
    registers: [registry],
    collect() {
      this.set(deps.status().running ? 1 : 0);
    },
  });
}

function createRunMetrics(registry: Registry): Omit<RetrainerMetrics, 'registry'> {
  return {
    runs: new Counter({
      name: 'fraud_retrainer_runs_total',
      help: 'Retraining runs by outcome',
      labelNames: ['status'],
      registers: [registry],
    }),
    runSeconds: new Histogram({
      name: 'fraud_retrainer_run_seconds',
      help: 'Duration of retraining runs',
      buckets: [1, 5, 15, 30, 60, 120, 300, 900],
      registers: [registry],
    }),
    policyEdits: new Counter({
      name: 'fraud_retrainer_policy_edits_total',
      help: 'Retrain policy edits by source and outcome',
      labelNames: ['source', 'accepted'],
      registers: [registry],
    }),
    publications: new Counter({
      name: 'fraud_retrainer_publications_total',
      help: 'Model updates published',
      labelNames: ['role', 'action'],
      registers: [registry],
    }),
  };
}
