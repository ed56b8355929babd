import { createServer, type Server } from 'node:http';
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';

export interface ServiceServer {
  app: Express;
  server: Server;
  listen(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The HTTP face every sink has: GET /metrics (its own registry) and GET /health (200 while
 * `healthy()` says so, 503 otherwise). Routes are added on `app` before listen().
 */
export function createServiceServer(opts: {
  registry: Registry;
  port: number;
  host?: string;
  healthy: () => boolean;
  name: string;
}): ServiceServer {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', opts.registry.contentType);
    res.send(await opts.registry.metrics());
  });
  app.get('/health', (_req, res) => {
    const ok = opts.healthy();
    res.status(ok ? 200 : 503).json({ service: opts.name, status: ok ? 'ok' : 'starting' });
  });
  const server = createServer(app);
  return {
    app,
    server,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
          const addr = server.address();
          resolve(typeof addr === 'object' && addr ? addr.port : opts.port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
