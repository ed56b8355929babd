import { createServer, type Server } from 'node:http';
import { Counter, Gauge, type Registry } from 'prom-client';
import { FraudError } from '@fraud/common';

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

/** A tiny /metrics endpoint on 127.0.0.1 (or `host`). Port 0 picks a free port. */
export async function startMetricsServer(
  registry: Registry,
  port: number,
  host = '127.0.0.1',
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    registry
      .metrics()
      .then((body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body))
      .catch((err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new FraudError(
          'CONFIG_INVALID',
          `cannot serve metrics on ${host}:${port}: ${err.code ?? err.message}; pick another --metrics-port (0 = any free port)`,
          { cause: err },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return { server, port: bound, close: () => new Promise<void>((r) => server.close(() => r())) };
}
