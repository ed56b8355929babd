import type { Transaction, TransactionType } from '@fraud/schemas';
import { seededRandom } from '@fraud/common/testing';
import type { FeatureSpec, LabelEvent } from '../../src/features/index.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
export const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);

/** A spec that uses every operation, on the origin and on views, with filters, "all" and labels. */
export function everyOpSpec(bounds: FeatureSpec['bounds'] = {}): FeatureSpec {
  const transfer = { field: 'type', in: ['TRANSFER', 'CARD_NOT_PRESENT'] };
  return {
    name: 'every-op',
    version: 1,
    entities: { cust: 'originAccount', term: 'terminalId', dest: 'destAccount', dev: 'attributes.device' },
    bounds: { retention: '8d', lagAllowance: '6h', ...bounds },
    features: [
      { name: 'amount', op: 'field', field: 'amount' },
      { name: 'log_amount', op: 'field', field: 'amount', transform: 'log1p' },
      { name: 'score', op: 'field', field: 'attributes.score' },
      { name: 'ob', op: 'field', field: 'originBalanceBefore' },
      { name: 'type', op: 'oneHot', field: 'type', values: ['TRANSFER', 'CARD_PRESENT', 'CARD_NOT_PRESENT'] },
      { name: 'country_freq', op: 'frequency', field: 'country', window: '1d' },
      { name: 'dest_m', op: 'prefix', field: 'destAccount', prefix: 'M' },
      { name: 'hour', op: 'hourOfDay' },
      { name: 'dow', op: 'dayOfWeek' },
      { name: 'weekend', op: 'weekend' },
      { name: 'night', op: 'night' },
      { name: 'a2b', op: 'amountToBalance', balance: 'originBalanceBefore' },
      { name: 'eq', op: 'amountEqualsBalance', balance: 'originBalanceBefore' },
      { name: 'empties', op: 'emptiesAccount', balance: 'originBalanceBefore' },
      { name: 'minus', op: 'amountMinusBalance', balance: 'originBalanceBefore' },
      { name: 'dzero', op: 'balanceZero', balance: 'destBalanceBefore' },
      { name: 'c_count_1h', op: 'count', entity: 'cust', window: '1h' },
      { name: 'c_sum_1d', op: 'sum', entity: 'cust', window: '1d' },
      { name: 'c_mean_7d', op: 'mean', entity: 'cust', window: '7d' },
      { name: 'c_max_1d', op: 'max', entity: 'cust', window: '1d', of: 'attributes.score' },
      { name: 'c_std_7d', op: 'std', entity: 'cust', window: '7d' },
      { name: 'c_tr_count_1d', op: 'count', entity: 'cust', window: '1d', filter: transfer },
      { name: 'c_count_all', op: 'count', entity: 'cust', window: 'all' },
      { name: 'c_sum_all', op: 'sum', entity: 'cust', window: 'all', filter: transfer },
      { name: 'c_max_all', op: 'max', entity: 'cust', window: 'all' },
      { name: 'c_std_all', op: 'std', entity: 'cust', window: 'all' },
      { name: 'c_terms_1d', op: 'distinct', entity: 'cust', window: '1d', of: 'terminalId' },
      { name: 'c_terms_all', op: 'distinct', entity: 'cust', window: 'all', of: 'terminalId' },
      { name: 'c_a2m_all', op: 'amountToMean', entity: 'cust', window: 'all' },
      { name: 'c_a2m_7d', op: 'amountToMean', entity: 'cust', window: '7d' },
      { name: 'c_since', op: 'secondsSincePrevious', entity: 'cust' },
      { name: 'c_since_tr', op: 'secondsSincePrevious', entity: 'cust', filter: transfer },
      { name: 'c_new_term', op: 'isNew', entity: 'cust', of: 'terminalId' },
      { name: 'c_country_changed', op: 'changed', entity: 'cust', of: 'country' },
      { name: 'c_gap', op: 'balanceGap', entity: 'cust', balance: 'originBalanceBefore', direction: 'out' },
      { name: 'c_fraud_7d', op: 'fraudCount', entity: 'cust', window: '7d' },
      { name: 't_count_1h', op: 'count', entity: 'term', window: '1h' },
      { name: 't_sum_1d', op: 'sum', entity: 'term', window: '1d', filter: transfer },
      { name: 't_mean_7d', op: 'mean', entity: 'term', window: '7d' },
      { name: 't_max_1d', op: 'max', entity: 'term', window: '1d' },
      { name: 't_std_7d', op: 'std', entity: 'term', window: '7d' },
      { name: 't_custs_1d', op: 'distinct', entity: 'term', window: '1d', of: 'originAccount' },
      { name: 't_a2m_7d', op: 'amountToMean', entity: 'term', window: '7d' },
      { name: 't_since', op: 'secondsSincePrevious', entity: 'term' },
      { name: 't_since_tr', op: 'secondsSincePrevious', entity: 'term', filter: transfer },
      { name: 't_new_cust', op: 'isNew', entity: 'term', of: 'originAccount' },
      { name: 't_country_changed', op: 'changed', entity: 'term', of: 'country' },
      { name: 't_fraud_1d', op: 'fraudCount', entity: 'term', window: '1d' },
      { name: 't_fraud_rate_7d', op: 'fraudRate', entity: 'term', window: '7d' },
      {
        name: 'd_gap',
        op: 'balanceGap',
        entity: 'dest',
        balance: 'destBalanceBefore',
        direction: 'in',
        reverseTypes: ['CASH_IN'],
      },
      { name: 'd_in_1d', op: 'count', entity: 'dest', window: '1d' },
      { name: 'dev_custs_7d', op: 'distinct', entity: 'dev', window: '7d', of: 'originAccount' },
      { name: 'dev_fraud_rate_7d', op: 'fraudRate', entity: 'dev', window: '7d' },
    ],
  };
}

const TYPES: TransactionType[] = ['TRANSFER', 'CARD_PRESENT', 'CARD_NOT_PRESENT', 'CASH_IN', 'PAYMENT', 'OTHER'];

/**
 * Random card/bank-like payments over `days`, sorted by eventTime, with many same-time ties
 * (minute resolution), unknown balances, missing terminals, and labels for ~half of them that
 * arrive 0-3 days later (a few relabelled), returned in a shuffled order.
 */
export function randomPayments(seed: number, n: number, days: number): { txs: Transaction[]; labels: LabelEvent[] } {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const times = Array.from({ length: n }, () => T0 + Math.floor(rnd() * days * 24 * 60) * MINUTE).sort((a, b) => a - b);
  const attributes = (): Record<string, string> =>
    rnd() < 0.8 ? { score: String(Math.floor(rnd() * 1000) / 10), device: `D${Math.floor(rnd() * 6)}` } : {};
  const txs: Transaction[] = times.map((t, i) => {
    const known = rnd() < 0.5;
    const terminal = rnd() < 0.9 ? `T${Math.floor(rnd() * 12)}` : null;
    return {
      txId: `tx-${String(i).padStart(5, '0')}`,
      eventTime: t,
      type: pick(TYPES),
      amount: Math.floor(rnd() * 50_000),
      currency: 'EUR',
      originAccount: `C${Math.floor(rnd() * 40)}`,
      originBalanceBefore: known ? Math.floor(rnd() * 60_000) : null,
      destAccount: rnd() < 0.5 ? `M${Math.floor(rnd() * 8)}` : `C${Math.floor(rnd() * 40)}`,
      destBalanceBefore: known ? Math.floor(rnd() * 60_000) : null,
      terminalId: terminal,
      country: pick(['FR', 'DE', 'ES', null]),
      attributes: attributes(),
    };
  });
  const labels: LabelEvent[] = [];
  for (const tx of txs) {
    if (rnd() < 0.5) continue;
    const labeledAt = tx.eventTime + Math.floor(rnd() * 3 * DAY);
    labels.push({ txId: tx.txId, isFraud: rnd() < 0.3, labeledAt });
    if (rnd() < 0.05)
      labels.push({ txId: tx.txId, isFraud: rnd() < 0.5, labeledAt: labeledAt + Math.floor(rnd() * DAY) });
  }
  for (let i = labels.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [labels[i], labels[j]] = [labels[j] as LabelEvent, labels[i] as LabelEvent];
  }
  return { txs, labels };
}
