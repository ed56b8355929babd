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

/** GET /metrics (Prometheus text format) and GET /healthz; anything else is a 404 naming both. */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, port, host } = opts;
  const healthy = opts.healthy ?? (() => true);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      registry.metrics().then(
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
