import { describe, expect, it } from 'vitest';
import type { Transaction } from '@fraud/schemas';
import { isFraudError } from '@fraud/common';
import {
  builtInFeatureSpecs,
  compileFeatureSpec,
  defaultSpecForFields,
  loadFeatureSpec,
  parseFeatureSpec,
  specHash,
  type FeatureSpec,
} from '../../src/features/index.ts';

const base = (): Record<string, unknown> => ({
  name: 'test-spec',
  version: 1,
  entities: { cust: 'originAccount', term: 'terminalId' },
  features: [
    { name: 'amount', op: 'field', field: 'amount' },
    { name: 'c_count_1h', op: 'count', entity: 'cust', window: '1h' },
  ],
});

function refusal(spec: unknown): string {
  try {
    parseFeatureSpec(spec);
  } catch (err: unknown) {
    if (isFraudError(err, 'CONFIG_INVALID')) return err.message;
    throw err;
  }
  throw new Error('the spec was accepted');
}

const withFeature = (f: Record<string, unknown>): Record<string, unknown> => ({
  ...base(),
  features: [...(base().features as unknown[]), f],
});

describe('parseFeatureSpec refuses bad specs, naming the JSON path', () => {
  it.each([
    [{ ...base(), version: 0 }, /test-spec: version: /],
    [{ ...base(), name: 'Bad Name' }, /name: must be kebab-case/],
    [{ ...base(), entities: { cust: 'balance' } }, /entities\.cust: must be one of originAccount/],
    [withFeature({ name: 'x', op: 'count', entity: 'cust', window: '3 weeks' }), /features\[2\]\.window: must be/],
    [withFeature({ name: 'x', op: 'median', entity: 'cust', window: '1h' }), /features\[2\]\.op: /],
    [withFeature({ name: 'x', op: 'count', entity: 'nobody', window: '1h' }), /features\[2\]\.entity: entity nobody/],
    [withFeature({ name: 'amount', op: 'hourOfDay' }), /features\[2\]\.name: output name amount is also produced/],
    [withFeature({ name: 'x', op: 'count', entity: 'term', window: 'all' }), /features\[2\]\.window: "all" needs/],
    [withFeature({ name: 'x', op: 'sum', entity: 'cust', window: '1h', of: 'terminalId' }), /features\[2\]\.of: /],
    [withFeature({ name: 'x', op: 'count', entity: 'cust', window: '1h', extra: 1 }), /features\[2\]: /],
    [withFeature({ name: 'x', op: 'count', entity: 'cust', window: '40d' }), /features\[2\]\.window: 40d is longer/],
    [withFeature({ name: 'x', op: 'fraudRate', entity: 'term', window: 'all' }), /features\[2\]\.window: must be/],
    ['{ not json', /not valid JSON/],
  ])('%#: %s', (spec, message) => {
    expect(refusal(spec)).toMatch(message);
  });

  it('a window longer than the retention is refused at its path', () => {
    const spec = withFeature({ name: 'x', op: 'count', entity: 'cust', window: '3d' });
    expect(refusal({ ...spec, bounds: { retention: '2d' } })).toMatch(
      /features\[2\]\.window: 3d is longer than bounds\.retention \(2d\)/,
    );
  });
});

describe('shipped specs', () => {
  it('every shipped spec parses and compiles', () => {
    expect(builtInFeatureSpecs()).toEqual(expect.arrayContaining(['fs-v2', 'payments-v1', 'bank-transfers-v1']));
    for (const name of builtInFeatureSpecs()) {
      const c = compileFeatureSpec(loadFeatureSpec(name));
      expect(c.featureSet).toBe(`${name}@1`);
      expect(new Set(c.names).size).toBe(c.names.length);
    }
    expect(compileFeatureSpec(loadFeatureSpec('payments-v1')).usesLabels).toBe(true);
  });

  it('an unknown name says which specs exist', () => {
    expect(() => loadFeatureSpec('nope')).toThrow(/no shipped feature spec is named nope; shipped specs: .*fs-v2/);
  });

  it('defaultSpecForFields picks fs-v2 with balances and payments-v1 without', () => {
    expect(defaultSpecForFields(['amount', 'originBalanceBefore', 'destBalanceBefore']).name).toBe('fs-v2');
    expect(defaultSpecForFields(['amount', 'terminalId', 'merchantId']).name).toBe('payments-v1');
  });

  it('specHash ignores key order and spelled-out defaults, and changes with a bound', () => {
    const spec = parseFeatureSpec(base());
    const { features, ...rest } = spec;
    const reordered = parseFeatureSpec({ features, ...rest });
    const spelled = parseFeatureSpec({ ...base(), bounds: { retention: '25h', maxEvents: 256 } });
    expect(specHash(reordered)).toBe(specHash(spec));
    expect(specHash(spelled)).toBe(specHash(spec));
    expect(specHash(parseFeatureSpec({ ...base(), bounds: { maxEvents: 10 } }))).not.toBe(specHash(spec));
  });
});

const H = 3_600_000;
const T = Date.UTC(2026, 0, 5);

function card(id: string, t: number, terminal = 'T1'): Transaction {
  return {
    txId: id,
    eventTime: t,
    type: 'CARD_PRESENT',
    amount: 1000,
    currency: 'EUR',
    originAccount: `C-${id}`,
    destAccount: 'M1',
    terminalId: terminal,
    attributes: {},
  };
}

describe('label features are point-in-time', () => {
  const spec: FeatureSpec = parseFeatureSpec({
    name: 'risk',
    version: 1,
    entities: { term: 'terminalId' },
    features: [
      { name: 'fraud_7d', op: 'fraudCount', entity: 'term', window: '7d' },
      { name: 'rate_7d', op: 'fraudRate', entity: 'term', window: '7d' },
    ],
  });
  const c = compileFeatureSpec(spec);

  it('counts a label from its arrival on (strictly before the decision), a payment only in its window', () => {
    const txs = [
      card('a', T),
      card('b', T + 2 * H),
      card('c', T + 5 * H),
      card('d', T + 6 * H),
      card('e', T + 8 * 24 * H),
    ];
    const labels = [
      { txId: 'a', isFraud: true, labeledAt: T + 5 * H }, // arrives exactly at c's decision: not yet known to c
      { txId: 'b', isFraud: false, labeledAt: T + 3 * H },
    ];
    const m = c.computeFile(txs, labels).data;
    expect([...m.subarray(0, 2)]).toEqual([0, NaN]); // a: nothing labelled
    expect([...m.subarray(2, 4)]).toEqual([0, NaN]); // b: a's label has not arrived
    expect([...m.subarray(4, 6)]).toEqual([0, 0]); // c: only b's (genuine) label is known
    expect([...m.subarray(6, 8)]).toEqual([1, 0.5]); // d: a's fraud label arrived at T + 5 h
    expect([...m.subarray(8, 10)]).toEqual([0, NaN]); // e: a and b are older than 7 days
  });

  it('a label that reaches the views before its payment waits for it', () => {
    const views = c.createViews();
    const state = c.createState({ views });
    views.addLabel({ txId: 'x', isFraud: true, labeledAt: T + H });
    views.addTransaction(card('x', T));
    const row = c.compute([card('y', T + 2 * H)], state);
    expect([...row]).toEqual([1, 1]);
  });

  it('a relabel counts from its own arrival', () => {
    const txs = [card('a', T), card('b', T + 2 * H), card('c', T + 4 * H)];
    const labels = [
      { txId: 'a', isFraud: false, labeledAt: T + H },
      { txId: 'a', isFraud: true, labeledAt: T + 3 * H },
    ];
    const m = c.computeFile(txs, labels).data;
    expect([...m.subarray(2, 4)]).toEqual([0, 0]);
    expect([...m.subarray(4, 6)]).toEqual([1, 1]);
  });
});
