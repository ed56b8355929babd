import { TRANSACTION_TYPES, type Transaction } from '@fraud/schemas';

const TYPES: ReadonlySet<string> = new Set(TRANSACTION_TYPES);

/** Why a transaction cannot be featurised, or null. The scorer dead-letters on non-null. */
export function featureInputProblem(tx: Transaction): string | null {
  if (!TYPES.has(tx.type)) return `unknown transaction type ${String(tx.type)}`;
  if (!Number.isFinite(tx.eventTime)) return 'eventTime is not a finite number';
  if (!Number.isFinite(tx.amount) || tx.amount < 0) return 'amount must be a finite number >= 0';
  for (const field of ['originBalanceBefore', 'destBalanceBefore'] as const) {
    const value = tx[field];
    if (value !== null && value !== undefined && !Number.isFinite(value)) return `${field} is not a finite number`;
  }
  if (typeof tx.originAccount !== 'string' || tx.originAccount === '') return 'originAccount is empty';
  if (typeof tx.destAccount !== 'string' || tx.destAccount === '') return 'destAccount is empty';
  return null;
}
