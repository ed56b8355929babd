import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { FraudError } from '@fraud/common';

export interface MetricsServerOptions {
  registry: Registry;
  /** 0 picks a free port (see the returned `port`). */
  port: number;
  host: string;
  /** /healthz answers 503 while this returns false; always 200 when omitted. */
  healthy?: () => boolean;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * GET /metrics (Prometheus text format) and GET /healthz; anything else is a 404 naming both.
 * `/metrics?name=P` (repeatable) serves only the metrics whose names start with a P, and runs only
 * their collectors: a diagnostic scraping the runtime's numbers every second (bench pipeline's
 * timeline) does not pay for the costlier ones (the scorer's state-bytes walk).
 */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, port, host } = opts;
  const healthy = opts.healthy ?? (() => true);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://metrics');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/metrics') {
      const prefixes = url.searchParams.getAll('name');
      (prefixes.length === 0 ? registry.metrics() : metricsNamed(registry, prefixes)).then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
      );
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /metrics or GET /healthz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new FraudError(
          'CONFIG_INVALID',
          `cannot serve metrics on ${host}:${port}: ${err.code ?? err.message}; pick another port (0 = any free port)`,
          { cause: err },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The text of the metrics whose names start with one of `prefixes` (only their collectors run). */
async function metricsNamed(registry: Registry, prefixes: readonly string[]): Promise<string> {
  const names = registry
    .getMetricsAsArray()
    .map((m) => (m as unknown as { name: string }).name)
    .filter((name) => prefixes.some((p) => name.startsWith(p)));
  const texts = await Promise.all(names.map((name) => registry.getSingleMetricAsString(name)));
  return texts.map((t) => `${t}\n`).join('');
}
