import type { Row, TableDef } from './columns.ts';
import type { Rejected } from '../kafka/decoding-handler.ts';
import type { Dialect } from './dialect.ts';

export type QueryParams = Record<string, string | number>;

/**
 * A warehouse backend. upsert() resolves only once the rows are durable, keyed by the table's
 * key (a replayed row replaces, never doubles); rows the backend refuses come back as Rejected.
 */
export interface WarehouseStore {
  dialect: Dialect;
  init(): Promise<void>;
  upsert(table: TableDef, rows: Row[]): Promise<Rejected[]>;
  query(sql: string, params: QueryParams): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}
