/**
 * The warehouse tables, declared once; the DuckDB DDL, the DuckDB appender, and the BigQuery
 * table schema are all generated from these lists so the two backends cannot drift.
 * Timestamps travel as epoch milliseconds until the backend converts them.
 * Tables evolve like the Avro records: a column added later is nullable (stores created by an
 * earlier version gain it on start), and a column may become nullable, never the reverse.
 */
export type ColumnKind =
  'string' | 'int' | 'bigint' | 'double' | 'bool' | 'timestamp' | 'json' | 'float[]' | 'string[]';

export interface Column {
  name: string;
  kind: ColumnKind;
  nullable?: boolean;
}

export interface TableDef {
  name: 'scored' | 'labels' | 'model_versions';
  key: string;
  columns: Column[];
  /** BigQuery: day partitioning column and clustering. */
  partitionBy?: string;
  clusterBy?: string[];
}

const c = (name: string, kind: ColumnKind, nullable = false): Column => ({ name, kind, nullable });

export const SCORED_TABLE: TableDef = {
  name: 'scored',
  key: 'txId',
  partitionBy: 'eventTime',
  clusterBy: ['type'],
  columns: [
    c('txId', 'string'),
    c('eventTime', 'timestamp'),
    c('type', 'string'),
    c('amount', 'bigint'),
    c('currency', 'string'),
    c('originAccount', 'string'),
    c('originBalanceBefore', 'bigint', true),
    c('destAccount', 'string'),
    c('destBalanceBefore', 'bigint', true),
    c('channel', 'string', true),
    c('typeName', 'string', true),
    c('merchantId', 'string', true),
    c('merchantCategory', 'string', true),
    c('terminalId', 'string', true),
    c('country', 'string', true),
    c('deviceId', 'string', true),
    c('attributes', 'json'),
    c('featureSet', 'string'),
    c('features', 'float[]'),
    c('score', 'double'),
    c('decision', 'string'),
    c('reviewThreshold', 'double'),
    c('blockThreshold', 'double'),
    c('modelVersion', 'string'),
    c('reasons', 'json'),
    c('rulesFired', 'string[]'),
    c('ruleSetVersion', 'int', true),
    c('shadowModelVersion', 'string', true),
    c('shadowScore', 'double', true),
    c('shadowDecision', 'string', true),
    c('scoredAt', 'timestamp'),
    c('sourcePartition', 'int', true),
    c('sourceOffset', 'bigint', true),
    c('publishedAt', 'timestamp', true),
    c('kafkaPartition', 'int'),
    c('kafkaOffset', 'bigint'),
  ],
};

export const LABELS_TABLE: TableDef = {
  name: 'labels',
  key: 'txId',
  partitionBy: 'labeledAt',
  clusterBy: ['source'],
  columns: [
    c('txId', 'string'),
    c('isFraud', 'bool'),
    c('source', 'string'),
    c('labeledAt', 'timestamp'),
    c('note', 'string', true),
    c('typology', 'string', true),
    c('author', 'string', true),
  ],
};

export const MODEL_VERSIONS_TABLE: TableDef = {
  name: 'model_versions',
  key: 'version',
  columns: [
    c('version', 'string'),
    c('role', 'string'),
    c('createdAt', 'timestamp'),
    c('featureSet', 'string'),
    c('reviewThreshold', 'double'),
    c('blockThreshold', 'double'),
    c('sha256', 'string'),
    c('uri', 'string', true),
    c('metadata', 'json'),
  ],
};

export const TABLES = [SCORED_TABLE, LABELS_TABLE, MODEL_VERSIONS_TABLE] as const;

/** A row ready for either backend: column name -> plain JS value. */
export type Row = Record<string, string | number | boolean | null | number[] | string[]>;
