import { FraudError, errorMessage } from '@fraud/common';

/**
 * The warehouse sink's read-only HTTP API (named questions). The console never opens the
 * warehouse file itself: DuckDB allows one writer process, and that is the sink.
 */
export type WarehouseRow = Record<string, unknown>;

export interface RecentDecisionFilter {
  decision?: string;
  type?: string;
  limit?: number;
}

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

/** Names of the sink's questions (sinks/src/warehouse/questions.ts), asked at GET /api/questions/<name>. */
export const QUESTION_PATH = '/api/questions/';

export function createWarehouseClient(opts: {
  baseUrl: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}): WarehouseClient {
  const doFetch = opts.fetch ?? fetch;
  const base = opts.baseUrl.replace(/\/$/, '');
  async function get(path: string, query: Record<string, string | number | undefined> = {}): Promise<unknown> {
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await doFetch(url, {
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
        headers: { accept: 'application/json' },
      });
    } catch (err: unknown) {
      throw new FraudError(
        'WAREHOUSE_FAILED',
        `the warehouse API at ${base} is not reachable (${errorMessage(err)}); start the warehouse sink (fraud ` +
          `sinks run warehouse)`,
        { cause: err, retriable: true },
      );
    }
    if (!res.ok)
      throw new FraudError(
        'WAREHOUSE_FAILED',
        `warehouse API ${url.pathname} answered ${res.status}: ${(await res.text()).slice(0, 300)}`,
        { retriable: res.status >= 500 },
      );
    return res.json();
  }
  const rows = (body: unknown): WarehouseRow[] => {
    const list = Array.isArray(body)
      ? body
      : typeof body === 'object' && body !== null && Array.isArray((body as { rows?: unknown }).rows)
        ? (body as { rows: unknown[] }).rows
        : null;
    if (!list) throw new FraudError('WAREHOUSE_FAILED', 'warehouse API answered without a rows array');
    return list.filter((r): r is WarehouseRow => typeof r === 'object' && r !== null);
  };
  const ask = async (name: string, query: Record<string, string | number | undefined> = {}) =>
    rows(await get(QUESTION_PATH + name, query));
  return {
    baseUrl: base,
    fraudRateByTypeHour: () => ask('fraud-rate-by-type-hour'),
    amounts: () => ask('amount-distribution'),
    topDestinations: (limit = 20) => ask('top-destinations', { limit }),
    typologies: () => ask('typologies'),
    decisionCounts: () => ask('decision-counts'),
    decision: async (txId) => (await ask('decision', { txId }))[0] ?? null,
    recentDecisions: (f = {}) => ask('recent-decisions', { decision: f.decision, type: f.type, limit: f.limit }),
    accountHistory: (account, limit = 50) => ask('account-history', { account, limit }),
  };
}
