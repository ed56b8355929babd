/**
 * One closed union of error codes for the whole system. Every thrown error that crosses a
 * package boundary is a FraudError, so callers decide on `code` and `retriable`, never on
 * message strings.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'KAFKA_UNAVAILABLE'
  | 'REGISTRY_UNAVAILABLE'
  | 'SCHEMA_INVALID'
  | 'SCHEMA_INCOMPATIBLE'
  | 'SCHEMA_NOT_FOUND'
  | 'DECODE_WRONG_MAGIC'
  | 'DECODE_UNKNOWN_SCHEMA'
  | 'DECODE_TRUNCATED'
  | 'DECODE_FAILED'
  | 'ENCODE_FAILED'
  | 'RECORD_INVALID'
  | 'CSV_INVALID'
  | 'RULE_INVALID'
  | 'MODEL_INVALID'
  | 'MODEL_CHECKSUM'
  | 'MODEL_INCOMPATIBLE'
  | 'XGBOOST_FAILED'
  | 'WAREHOUSE_FAILED'
  | 'BIGQUERY_FAILED'
  | 'AUTH_REQUIRED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_REQUEST'
  | 'TIMEOUT'
  | 'INTERNAL';

export interface FraudErrorOptions {
  cause?: unknown;
  retriable?: boolean;
  details?: Record<string, unknown>;
}

export class FraudError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: FraudErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FraudError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
  }
}

export function isFraudError(err: unknown, code?: ErrorCode): err is FraudError {
  return err instanceof FraudError && (code === undefined || err.code === code);
}

/** Message of any thrown value, for logs and DLQ reasons. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
