import { TRANSACTION_TYPES, type Transaction } from './types.ts';

const MIN_EVENT_TIME = Date.UTC(2000, 0, 1);
/** The default allowance for eventTime ahead of the clock; services pass their configured one. */
export const DEFAULT_MAX_EVENT_AHEAD_MS = 24 * 60 * 60 * 1000;
const CURRENCY = /^[A-Z]{3}$/;
/** Ids and account numbers longer than this are garbage, not payments (and would bloat every store). */
const MAX_ID_LENGTH = 128;

export interface ValidateOptions {
  /** How far eventTime may be ahead of `now` (the scorer's SCORER_MAX_EVENT_AHEAD_MS). */
  maxEventAheadMs?: number;
}

/**
 * Semantic checks a well-formed Avro record can still fail. Unknown balances (null) and the
 * type OTHER (a publisher's own type, named in typeName) are valid: they are kept and scored.
 * Returns the reason (used verbatim as the DLQ reason) or null when the transaction is
 * acceptable. `now` is injected so the decision is reproducible; the future bound is the
 * caller's configured allowance.
 */
export function validateTransaction(
  tx: Transaction,
  now: number = Date.now(),
  options: ValidateOptions = {},
): string | null {
  if (typeof tx.txId !== 'string' || tx.txId.trim() === '') return 'txId is empty';
  if (tx.txId.length > MAX_ID_LENGTH) return `txId is ${tx.txId.length} characters long (at most ${MAX_ID_LENGTH})`;
  for (const field of ['originAccount', 'destAccount'] as const) {
    if (typeof tx[field] === 'string' && tx[field].length > MAX_ID_LENGTH)
      return `${field} is ${tx[field].length} characters long (at most ${MAX_ID_LENGTH})`;
  }
  if (!TRANSACTION_TYPES.includes(tx.type))
    return `type ${String(tx.type)} is not one of ${TRANSACTION_TYPES.join(', ')}`;
  const amount = checkMinorUnits('amount', tx.amount);
  if (amount) return amount;
  if (typeof tx.currency !== 'string' || !CURRENCY.test(tx.currency))
    return `currency ${JSON.stringify(tx.currency)} is not a 3-letter upper-case ISO 4217 code`;
  if (typeof tx.originAccount !== 'string' || tx.originAccount.trim() === '') return 'originAccount is empty';
  if (typeof tx.destAccount !== 'string' || tx.destAccount.trim() === '') return 'destAccount is empty';
  const balances = checkBalances(tx);
  if (balances) return balances;
  const optional = checkOptionalFields(tx);
  if (optional) return optional;
  if (!Number.isFinite(tx.eventTime)) return `eventTime ${String(tx.eventTime)} is not a finite epoch-millisecond time`;
  if (tx.eventTime < MIN_EVENT_TIME) return `eventTime ${new Date(tx.eventTime).toISOString()} is before 2000-01-01`;
  const maxAheadMs = options.maxEventAheadMs ?? DEFAULT_MAX_EVENT_AHEAD_MS;
  if (tx.eventTime > now + maxAheadMs)
    return `eventTime ${new Date(tx.eventTime).toISOString()} is more than ${spanText(maxAheadMs)} in the future`;
  return null;
}

/** Balances are optional (null or absent: unknown, as for card and bank payments); a given one is minor units. */
function checkBalances(tx: Transaction): string | null {
  for (const field of ['originBalanceBefore', 'destBalanceBefore'] as const) {
    const value = tx[field];
    if (value === null || value === undefined) continue;
    const problem = checkMinorUnits(field, value);
    if (problem) return problem;
  }
  return null;
}

const MCC = /^[0-9]{4}$/;
const COUNTRY = /^[A-Z]{2}$/;
/** The optional first-class fields: null or absent is fine, a given value must be well-formed. */
const OPTIONAL_FIELDS = ['typeName', 'merchantId', 'merchantCategory', 'terminalId', 'country', 'deviceId'] as const;

function checkOptionalFields(tx: Transaction): string | null {
  for (const field of OPTIONAL_FIELDS) {
    const value = tx[field];
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '') return `${field} is empty (leave it null when unknown)`;
    if (value.length > MAX_ID_LENGTH) return `${field} is ${value.length} characters long (at most ${MAX_ID_LENGTH})`;
  }
  if (typeof tx.merchantCategory === 'string' && !MCC.test(tx.merchantCategory))
    return `merchantCategory ${JSON.stringify(tx.merchantCategory)} is not a 4-digit ISO 18245 MCC`;
  if (typeof tx.country === 'string' && !COUNTRY.test(tx.country))
    return `country ${JSON.stringify(tx.country)} is not a 2-letter upper-case ISO 3166-1 alpha-2 code`;
  return null;
}

/** 86400000 -> "1 day", 7200000 -> "2 hours", 90000 -> "90000 ms": the allowance as a reader says it. */
function spanText(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  for (const [size, name] of units) {
    if (ms % size === 0) return `${ms / size} ${name}${ms === size ? '' : 's'}`;
  }
  return `${ms} ms`;
}

/** Amounts and balances: finite, whole minor units, not negative (PaySim has no negative balances). */
function checkMinorUnits(field: string, value: number): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${field} ${String(value)} is not a finite number`;
  if (!Number.isSafeInteger(value)) return `${field} ${value} is not a whole number of minor units`;
  if (value < 0) return `${field} ${value} is negative`;
  return null;
}
