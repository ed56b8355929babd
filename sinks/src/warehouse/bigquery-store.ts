import type { BigQuery } from '@google-cloud/bigquery';
import { FraudError, errorMessage, retry, type Logger, type RetryOptions } from '@fraud/common';
import type { Rejected } from '../kafka/decoding-handler.ts';
import type { Row, TableDef } from './columns.ts';
import { TABLES } from './columns.ts';
import { bigQueryJson, bigQuerySchemaUpdate, bigQueryTableResource, type BqField } from './bigquery-schema.ts';
import { bigqueryDialect } from './dialect.ts';
import { normalizeRows } from './normalize.ts';
import type { QueryParams, WarehouseStore } from './store.ts';

export interface BigQueryStoreDeps {
  /** Built with autoRetry: false: retries are ours (retry from @fraud/common), not the client's. */
  bigquery: BigQuery;
  project: string;
  dataset: string;
  location?: string;
  logger: Logger;
  retry?: Pick<RetryOptions, 'retries' | 'initialDelayMs' | 'maxDelayMs'>;
}

interface InsertAllResponse {
  insertErrors?: { index: number; errors?: { reason?: string; message?: string; location?: string }[] }[];
}

/** HTTP status worth another attempt: 5xx, 429, and BigQuery's 403 rateLimitExceeded/quotaExceeded. */
export function isRetriableBigQueryError(err: unknown): boolean {
  const e = err as { code?: unknown; errors?: { reason?: string }[] };
  const status = typeof e.code === 'number' ? e.code : Number(e.code);
  if (status === 429 || (status >= 500 && status < 600)) return true;
  return (e.errors ?? []).some((x) => x.reason === 'rateLimitExceeded' || x.reason === 'backendError');
}

/**
 * BigQuery warehouse: creates the dataset and tables when missing, streams rows with
 * tabledata.insertAll (insertId = the row key, so BigQuery drops a replayed row within its
 * de-duplication window, and the dialect's views drop any that slip through), retries 5xx and
 * rate limits with backoff, and returns rows BigQuery rejected so they are dead-lettered.
 */
export function createBigQueryStore(deps: BigQueryStoreDeps): WarehouseStore {
  const bq = deps.bigquery;
  const ds = bq.dataset(deps.dataset, deps.location ? { location: deps.location } : {});
  const call = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    retry(
      async () => {
        try {
          return await fn();
        } catch (err: unknown) {
          throw new FraudError('BIGQUERY_FAILED', `BigQuery ${what} failed: ${errorMessage(err)}`, {
            cause: err,
            retriable: isRetriableBigQueryError(err),
          });
        }
      },
      {
        retries: deps.retry?.retries ?? 6,
        initialDelayMs: deps.retry?.initialDelayMs ?? 200,
        maxDelayMs: deps.retry?.maxDelayMs ?? 30_000,
        onRetry: (err, attempt, delayMs) =>
          deps.logger.warn({ err: errorMessage(err), attempt, delayMs }, `retrying BigQuery ${what}`),
      },
    );

  async function insert(t: TableDef, rows: Row[]): Promise<Rejected[]> {
    const table = ds.table(t.name);
    const rejected: Rejected[] = [];
    let pending = rows.map((row, index) => ({ row, index }));
    // Rows BigQuery "stopped" (valid rows in a request with an invalid one) are sent again;
    // with skipInvalidRows that should not happen, but it is cheap to be sure. Bounded.
    for (let round = 0; round < 3 && pending.length; round++) {
      const body = {
        kind: 'bigquery#tableDataInsertAllRequest',
        skipInvalidRows: true,
        ignoreUnknownValues: false,
        rows: pending.map(({ row }) => ({ insertId: String(row[t.key]), json: bigQueryJson(t, row) })),
      };
      const [resp] = await call(`insertAll into ${t.name}`, () =>
        table.request({ method: 'POST', uri: '/insertAll', json: body }),
      );
      const errors = (resp as InsertAllResponse | undefined)?.insertErrors ?? [];
      const retryRows: typeof pending = [];
      for (const e of errors) {
        const p = pending[e.index];
        if (!p) continue;
        const reasons = (e.errors ?? []).filter((x) => x.reason !== 'stopped');
        if (!reasons.length) retryRows.push(p);
        else
          rejected.push({
            index: p.index,
            code: `BIGQUERY_${(reasons[0]!.reason ?? 'invalid').toUpperCase()}`,
            message: reasons.map((x) => `${x.location ?? ''} ${x.message ?? x.reason}`.trim()).join('; '),
          });
      }
      if (errors.length)
        deps.logger.warn(
          { table: t.name, rejected: rejected.length, stopped: retryRows.length },
          'BigQuery insertErrors',
        );
      pending = retryRows;
    }
    for (const p of pending)
      rejected.push({ index: p.index, code: 'BIGQUERY_STOPPED', message: 'row still stopped after 3 attempts' });
    return rejected;
  }

  /** A table created by an earlier version gains its new columns (see bigQuerySchemaUpdate). */
  async function evolveTable(t: TableDef): Promise<void> {
    const table = ds.table(t.name);
    const [meta] = await call(`table schema ${t.name}`, () => table.getMetadata());
    const existing = (meta as { schema?: { fields?: BqField[] } }).schema?.fields ?? [];
    const fields = bigQuerySchemaUpdate(existing, t);
    if (fields === null) return;
    await call(`table schema update ${t.name}`, () => table.setMetadata({ schema: { fields } }));
    deps.logger.info({ table: t.name }, 'updated BigQuery table schema');
  }

  return {
    dialect: bigqueryDialect(deps.project, deps.dataset),
    async init() {
      const [dsExists] = await call('dataset lookup', () => ds.exists());
      if (!dsExists) {
        await call('dataset create', () =>
          bq.createDataset(deps.dataset, deps.location ? { location: deps.location } : {}),
        ).catch(ignoreConflict);
        deps.logger.info({ dataset: deps.dataset }, 'created BigQuery dataset');
      }
      for (const t of TABLES) {
        const [exists] = await call(`table lookup ${t.name}`, () => ds.table(t.name).exists());
        if (exists) {
          await evolveTable(t);
          continue;
        }
        await call(`table create ${t.name}`, () => ds.createTable(t.name, bigQueryTableResource(t))).catch(
          ignoreConflict,
        );
        deps.logger.info({ table: t.name }, 'created BigQuery table');
      }
    },
    upsert: insert,
    async query(sql: string, params: QueryParams) {
      const [rows] = await call('query', () =>
        bq.query({ query: sql, params, useLegacySql: false, ...(deps.location ? { location: deps.location } : {}) }),
      );
      return normalizeRows(rows as Record<string, unknown>[]);
    },
    async close() {
      // HTTP client only: nothing to release.
    },
  };
}

/** 409 Already Exists on create: another instance won the race, which is what we wanted. */
function ignoreConflict(err: unknown): void {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  if (cause?.code === 409) return;
  throw err;
}
