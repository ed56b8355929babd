import { Counter, Gauge, type Registry } from 'prom-client';

export interface ProducerMetrics {
  sent: Counter<'topic'>;
  errors: Counter<'topic'>;
  rejected: Counter;
  rate: Gauge;
  pendingLabels: Gauge;
}

/** Producer metrics on the service's own registry (createMetricsRegistry). */
export function createProducerMetrics(registry: Registry): ProducerMetrics {
  return {
    sent: new Counter({
      name: 'fraud_producer_sent_total',
      help: 'Records acknowledged by the broker',
      labelNames: ['topic'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'fraud_producer_errors_total',
      help: 'Records the broker did not acknowledge',
      labelNames: ['topic'],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'fraud_producer_rejected_total',
      help: 'Input rows rejected as malformed (replay)',
      registers: [registry],
    }),
    rate: new Gauge({
      name: 'fraud_producer_rate',
      help: 'Transactions accepted per second over the last interval',
      registers: [registry],
    }),
    pendingLabels: new Gauge({
      name: 'fraud_producer_pending_labels',
      help: 'Labels waiting for their simulated due time',
      registers: [registry],
    }),
  };
}
