import { FraudError, errorMessage } from '@fraud/common';

/**
 * The retrainer's HTTP API, for backtests. Optional: without RETRAINER_API_URL, or when the API
 * does not answer, the Backtests page says so instead of failing.
 */
export type BacktestSummary = Record<string, unknown> & { id: string };

export interface RetrainerClient {
  readonly configured: boolean;
  listBacktests(): Promise<BacktestSummary[]>;
  getBacktest(id: string): Promise<BacktestSummary | null>;
  startBacktest(request: Record<string, unknown>): Promise<BacktestSummary>;
}

export const RETRAINER_ROUTES = { backtests: '/api/backtests' } as const;

export function createRetrainerClient(opts: { baseUrl: string | undefined; fetch?: typeof fetch }): RetrainerClient {
  const doFetch = opts.fetch ?? fetch;
  const base = opts.baseUrl?.replace(/\/$/, '');
  async function call(path: string, init: RequestInit = {}): Promise<unknown> {
    if (!base) throw new FraudError('NOT_FOUND', 'backtests are not available: RETRAINER_API_URL is not set');
    let res: Response;
    try {
      res = await doFetch(base + path, {
        ...init,
        signal: AbortSignal.timeout(10_000),
        headers: { accept: 'application/json', 'content-type': 'application/json' },
      });
    } catch (err: unknown) {
      throw new FraudError(
        'NOT_FOUND',
        `backtests are not available: the retrainer API at ${base} does not answer (${errorMessage(err)})`,
        { cause: err, retriable: true },
      );
    }
    if (res.status === 404) return null;
    if (!res.ok)
      throw new FraudError(
        res.status < 500 ? 'BAD_REQUEST' : 'INTERNAL',
        `retrainer API ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`,
      );
    return res.json();
  }
  const list = (body: unknown): BacktestSummary[] => {
    const arr = Array.isArray(body)
      ? body
      : typeof body === 'object' && body !== null && Array.isArray((body as { backtests?: unknown }).backtests)
        ? (body as { backtests: unknown[] }).backtests
        : [];
    return arr.filter(
      (b): b is BacktestSummary =>
        typeof b === 'object' && b !== null && typeof (b as { id?: unknown }).id === 'string',
    );
  };
  return {
    configured: base !== undefined,
    listBacktests: async () => list(await call(RETRAINER_ROUTES.backtests)),
    getBacktest: async (id) =>
      (await call(`${RETRAINER_ROUTES.backtests}/${encodeURIComponent(id)}`)) as BacktestSummary | null,
    startBacktest: async (request) => {
      const body = await call(RETRAINER_ROUTES.backtests, { method: 'POST', body: JSON.stringify(request) });
      if (!body || typeof body !== 'object')
        throw new FraudError('INTERNAL', 'the retrainer did not return the new backtest');
      return body as BacktestSummary;
    },
  };
}
