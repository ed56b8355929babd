import { FraudError } from '@fraud/common';
import type { RetrainerClient } from './types.ts';

/** The retrainer's HTTP API as a client (errors come back as FraudErrors with the server's message). */
export function httpRetrainerClient(baseUrl: string): RetrainerClient {
  const call = async <T>(method: string, path: string, body?: unknown, actor?: string): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(actor ? { 'x-fraud-actor': actor } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err: unknown) {
      throw new FraudError('KAFKA_UNAVAILABLE', `retrainer at ${baseUrl} is not reachable`, {
        cause: err,
        retriable: true,
      });
    }
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const e = json as { error?: string; message?: string } | null;
      const code = res.status === 404 ? 'NOT_FOUND' : res.status < 500 ? 'BAD_REQUEST' : 'INTERNAL';
      throw new FraudError(code, e?.message ?? `retrainer answered ${res.status}`);
    }
    return json as T;
  };
  return {
    mode: 'http',
    list: () => call('GET', '/api/models'),
    show: (v) => call('GET', `/api/models/${encodeURIComponent(v)}`),
    promote: (v, o) => call('POST', `/api/models/${encodeURIComponent(v)}/promote`, { shadow: o.shadow }, o.actor),
    rollback: (o) => call('POST', '/api/models/rollback', {}, o.actor),
    retrain: (o) => {
      o.onProgress?.('retraining in the running service (progress in its logs and /api/status)...');
      return call('POST', '/api/retrain', { force: o.force }, o.actor);
    },
    policy: () => call('GET', '/api/policy'),
    saveBacktest: async (b) => {
      await call('POST', '/api/backtests', b);
    },
    backtests: () => call('GET', '/api/backtests'),
    close: async () => undefined,
  };
}

/** Is a retrainer answering at this URL? (1 s budget: the CLI falls back to direct mode.) */
export async function retrainerReachable(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1_000) });
    return res.status === 200 || res.status === 503;
  } catch {
    return false;
  }
}
