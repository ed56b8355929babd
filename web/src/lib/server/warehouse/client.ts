import { FraudError, errorMessage } from '@fraud/common';

/**
 * The warehouse sink's read-only HTTP API (named questions). The console never opens the
 * warehouse file itself: DuckDB allows one writer process, and that is the sink.
 */
export type WarehouseRow = Record<string, unknown>;

export interface RecentDecisionFilter { decision?: string; type?: string; limit?: number }

export interface WarehouseClient {
  readonly baseUrl: string;
  fraudRateByTypeHour(): Promise<WarehouseRow[]>;
  amounts(): Promise<WarehouseRow[]>;
  topDestinations(limit?: number): Promise<WarehouseRow[]>;
  typologies(): Promise<WarehouseRow[]>;
  decisionCounts(): Promise<WarehouseRow[]>;
  decision(txId: string): Promise<WarehouseRow | null>;
  recentDecisions(filter?: RecentDecisionFilter): Promise<WarehouseRow[]>;
  accountHistory(account: string, limit?: number): Promise<WarehouseRow[]>;
}

/** Route of each question under the API's base URL. */
export const WAREHOUSE_ROUTES = {
  fraudRateByTypeHour: '/api/questions/fraud-rate-by-type-hour',
  amounts: '/api/questions/amounts',
  topDestinations: '/api/questions/top-destinations',
  typologies: '/api/questions/typologies',
  decisionCounts: '/api/questions/decision-counts',
  decision: '/api/decisions/',
  recentDecisions: '/api/decisions',
  accountHistory: '/api/accounts/',
} as const;

export function createWarehouseClient(opts: { baseUrl: string; timeoutMs?: number; fetch?: typeof fetch }): WarehouseClient {
  const doFetch = opts.fetch ?? fetch;
  const base = opts.baseUrl.replace(/\/$/, '');
  async function get(path: string, query: Record<string, string | number | undefined> = {}): Promise<unknown> {
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await doFetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000), headers: { accept: 'application/json' } });
    } catch (err: unknown) {
      throw new FraudError('WAREHOUSE_FAILED', `the warehouse API at ${base} is not reachable (${errorMessage(err)}); start the warehouse sink (fraud sinks run warehouse)`, { cause: err, retriable: true });
    }
    if (res.status === 404 && path.startsWith(WAREHOUSE_ROUTES.decision)) return null;
    if (!res.ok) throw new FraudError('WAREHOUSE_FAILED', `warehouse API ${url.pathname} answered ${res.status}: ${(await res.text()).slice(0, 300)}`, { retriable: res.status >= 500 });
    return res.json();
  }
  const rows = (body: unknown): WarehouseRow[] => {
    const list = Array.isArray(body) ? body : typeof body === 'object' && body !== null && Array.isArray((body as { rows?: unknown }).rows) ? (body as { rows: unknown[] }).rows : null;
    if (!list) throw new FraudError('WAREHOUSE_FAILED', 'warehouse API answered without a rows array');
    return list.filter((r): r is WarehouseRow => typeof r === 'object' && r !== null);
  };
  return {
    baseUrl: base,
    fraudRateByTypeHour: async () => rows(await get(WAREHOUSE_ROUTES.fraudRateByTypeHour)),
    amounts: async () => rows(await get(WAREHOUSE_ROUTES.amounts)),
    topDestinations: async (limit = 20) => rows(await get(WAREHOUSE_ROUTES.topDestinations, { limit })),
    typologies: async () => rows(await get(WAREHOUSE_ROUTES.typologies)),
    decisionCounts: async () => rows(await get(WAREHOUSE_ROUTES.decisionCounts)),
    decision: async (txId) => {
      const body = await get(WAREHOUSE_ROUTES.decision + encodeURIComponent(txId));
      return body && typeof body === 'object' ? (body as WarehouseRow) : null;
    },
    recentDecisions: async (f = {}) => rows(await get(WAREHOUSE_ROUTES.recentDecisions, { decision: f.decision, type: f.type, limit: f.limit })),
    accountHistory: async (account, limit = 50) => rows(await get(WAREHOUSE_ROUTES.accountHistory + encodeURIComponent(account) + '/history', { limit })),
  };
}
