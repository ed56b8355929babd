import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The scorer's metrics. Names are a contract with the Grafana boards (sinks/): do not rename.
 * Registered on the service's own registry by the factory, never at import time.
 */
export interface ScorerMetrics {
  consumed: Counter;
  scored: Counter;
  deadLettered: Counter<'reason'>;
  decisions: Counter<'decision' | 'type'>;
  batchSize: Histogram;
  batchSeconds: Histogram;
  txSeconds: Histogram;
  endToEndSeconds: Histogram;
  modelInfo: Gauge<'version' | 'role'>;
  consumerLag: Gauge<'partition'>;
  modelRejected: Counter;
  restoredRecords: Counter;
  aborted: Counter<'reason'>;
  viewRecords: Counter;
  viewSkipped: Counter;
  viewWaitSeconds: Histogram;
  viewLagging: Counter;
  viewSize: Gauge<'kind'>;
}

export function createScorerMetrics(registry: Registry): ScorerMetrics {
  const registers = [registry];
  return {
    consumed: new Counter({
      name: 'fraud_scorer_consumed_total',
      help: 'Records consumed from the transactions topic (committed)',
      registers,
    }),
    scored: new Counter({
      name: 'fraud_scorer_scored_total',
      help: 'ScoredTransaction records committed to the scored topic',
      registers,
    }),
    deadLettered: new Counter({
      name: 'fraud_scorer_dead_lettered_total',
      help: 'Records committed to the DLQ, by reason code',
      labelNames: ['reason'],
      registers,
    }),
    decisions: new Counter({
      name: 'fraud_scorer_decisions_total',
      help: 'Committed decisions by outcome and transaction type',
      labelNames: ['decision', 'type'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'fraud_scorer_batch_size',
      help: 'Records per processed batch',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'fraud_scorer_batch_seconds',
      help: 'Time to process and commit one batch',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    txSeconds: new Histogram({
      name: 'fraud_scorer_tx_seconds',
      help: 'Batch processing time divided by batch size',
      buckets: [1e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3],
      registers,
    }),
    endToEndSeconds: new Histogram({
      name: 'fraud_scorer_end_to_end_seconds',
      help: 'Kafka publish timestamp of the input to the commit of its decision',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    modelInfo: new Gauge({
      name: 'fraud_scorer_model_info',
      help: 'The model serving in each role (value 1)',
      labelNames: ['version', 'role'],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'fraud_scorer_consumer_lag',
      help: 'Records behind the high watermark, per input partition',
      labelNames: ['partition'],
      registers,
    }),
    modelRejected: new Counter({
      name: 'fraud_scorer_model_rejected_total',
      help: 'Model updates refused (checksum, feature set, load or smoke test failed)',
      registers,
    }),
    restoredRecords: new Counter({
      name: 'fraud_scorer_state_restored_total',
      help: 'Scored records replayed to rebuild per-account feature state',
      registers,
    }),
    aborted: new Counter({
      name: 'fraud_scorer_transactions_aborted_total',
      help: 'Kafka transactions aborted, by cause',
      labelNames: ['reason'],
      registers,
    }),
    viewRecords: new Counter({
      name: 'fraud_scorer_dest_view_records_total',
      help: "Transactions added to the global destination view by its own consumer (not counting the scorer's own batches)",
      registers,
    }),
    viewSkipped: new Counter({
      name: 'fraud_scorer_dest_view_skipped_total',
      help: 'Records the destination view skipped (undecodable or invalid; the scorer dead-letters them)',
      registers,
    }),
    viewWaitSeconds: new Histogram({
      name: 'fraud_scorer_dest_view_wait_seconds',
      help: 'Time a batch waited for the destination view to read every partition up to its newest eventTime (batches that did not wait are not observed)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    viewLagging: new Counter({
      name: 'fraud_scorer_dest_view_lagging_batches_total',
      help: 'Batches scored after SCORER_DEST_VIEW_WAIT_MS with the destination view still behind (destination features may miss recent inbounds)',
      registers,
    }),
    viewSize: new Gauge({
      name: 'fraud_scorer_dest_view_size',
      help: 'Destinations and inbound events held by the destination view',
      labelNames: ['kind'],
      registers,
    }),
  };
}
