import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, envWith, isFraudError } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { repoRoot } from '@fraud/infra';
import type { Producer } from '@fraud/kafka';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import { FEATURE_NAMES } from '@fraud/model';
import { validateRuleSet } from '@fraud/model/rules';
import { createDuckDbStore, scoredRow, SCORED_TABLE } from '@fraud/sinks';
import type { ScoredTransaction, TransactionType } from '@fraud/schemas';
import { backtestOverFile } from '../src/rules/backtest.ts';
import { publishRuleSet, readRuleSets, rollbackRuleSet } from '../src/rules/control.ts';
import { ruleFeatures } from '../src/rules/features.ts';
import { formatBacktest, formatVersions } from '../src/rules/format.ts';

const run = promisify(execFile);

function stored(i: number, o: { amount: number; type: TransactionType; features: number[] }): ScoredTransaction {
  const eventTime = Date.UTC(2026, 11, 1) + i * 60_000;
  return {
    transaction: {
      txId: `t-${i}`,
      eventTime,
      type: o.type,
      amount: o.amount,
      currency: 'USD',
      originAccount: `C${i}`,
      destAccount: `C${i + 100}`,
      attributes: {},
    },
    featureSet: 'fs-v2',
    features: o.features,
    score: 0.1,
    decision: 'APPROVE',
    reviewThreshold: 0.5,
    blockThreshold: 0.9,
    modelVersion: 'm',
    reasons: [],
    rulesFired: [],
    shadow: null,
    scoredAt: eventTime,
    source: null,
  };
}
const fs2 = ruleFeatures(undefined);
const draft = (expression: string) => ({
  rules: [{ name: 'big-transfer', expression, action: 'BLOCK', priority: 10 }],
  lists: { mules: ['C1'] },
});

describe('fraud rules: publish, list, roll back on the real broker', () => {
  const kafka = testKafka(uniqueName('rules-cli'));
  const logger = createLogger('rules-test', 'silent');
  let topics: TestTopics;
  let producer: Producer;
  let topic: string;
  const history = () => readRuleSets({ kafka, topic, logger });

  beforeAll(async () => {
    topics = await testTopics(kafka);
    topic = await topics.create(`${uniqueName('rules')}.control`, 1, { 'cleanup.policy': 'compact' });
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await topics?.cleanup();
  });

  it('refuses a bad rule set before writing, publishes 1 and 2, rolls back to 1 and forward to 2', async () => {
    const w = { producer, topic };
    const o = { actor: 'alice', features: fs2.catalogue };
    const bad = await publishRuleSet(w, await history(), draft('amout > 5'), o).catch((err: unknown) => err);
    expect(isFraudError(bad, 'RULE_INVALID')).toBe(true);
    expect((await history()).versions.size).toBe(0);

    const one = await publishRuleSet(w, await history(), draft('amount > 500_000'), o);
    const two = await publishRuleSet(w, await history(), draft('amount > 900_000 and orig_new_payee = 1'), o);
    expect([one.version, two.version]).toEqual([1, 2]);
    let h = await history();
    expect([...h.versions.keys()].sort()).toEqual([1, 2]);
    expect(h.active).toMatchObject({ version: 2, publishedBy: 'alice', rolledBackFrom: null });
    expect(formatVersions(h)).toMatch(/\* 2 +1 +1 +1 +alice/);

    const back = await rollbackRuleSet(w, h, { actor: 'bob' });
    expect(back).toMatchObject({ version: 1, rolledBackFrom: 2, publishedBy: 'bob' });
    h = await history();
    expect(h.active?.version).toBe(1);
    expect(h.active?.rules[0]!.expression).toBe('amount > 500_000');
    await expect(rollbackRuleSet(w, h, { actor: 'bob' })).rejects.toThrow(/no version older than 1/);
    await expect(rollbackRuleSet(w, h, { to: 7, actor: 'bob' })).rejects.toThrow(/version 7 was never published/);
    await rollbackRuleSet(w, h, { to: 2, actor: 'carol' });
    expect((await history()).active).toMatchObject({ version: 2, rolledBackFrom: 1 });
    // The next publication numbers after every version ever published.
    expect((await publishRuleSet(w, await history(), draft('score > 0.9'), o)).version).toBe(3);
  });
});

describe('fraud rules validate and backtest (the command)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rules-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[]) =>
    run(process.execPath, [join(repoRoot, 'bin', 'fraud.mjs'), 'rules', ...args], {
      cwd: repoRoot,
      env: envWith({ LOG_LEVEL: 'silent', TOPIC_PREFIX: `${uniqueName('norules')}.` }),
    }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
    );

  it('validate: valid file, then each problem as FILE: rule NAME LINE:COL, exit 1', async () => {
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(draft('type = "TRANSFER" and amount > 500_000 and orig_new_payee = 1')));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(draft('type = "TRANSFER"\n  and amout > 5')));
    const ok = await cli(['validate', good]);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.out).toContain('1 rule(s), 1 enabled: valid against fs-v2');
    const ko = await cli(['validate', bad]);
    expect(ko.code).toBe(1);
    expect(ko.err).toContain(`${bad}: rule big-transfer 2:7: unknown field 'amout'`);
    expect(ko.err).toContain("did you mean 'amount'?");
  });

  it('a missing control topic is reported with what to do', async () => {
    const r = await cli(['list']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/control topic .* does not exist .*fraud infra up/);
  });

  it('backtest over a DuckDB file: counts and examples', async () => {
    const path = join(dir, 'w.duckdb');
    const store = await createDuckDbStore({ path });
    await store.init();
    const rows = Array.from({ length: 50 }, (_, i) => {
      const features = FEATURE_NAMES.map((n) => (n === 'orig_new_payee' ? i % 2 : 0));
      return scoredRow(stored(i, { amount: i * 20_000, type: i % 5 === 0 ? 'TRANSFER' : 'PAYMENT', features }), {
        partition: 0,
        offset: i,
      });
    });
    await store.upsert(SCORED_TABLE, rows);
    await store.close();
    const set = validateRuleSet(draft('type = "TRANSFER" and amount > 500_000 and orig_new_payee = 1'), fs2.catalogue);
    const report = await backtestOverFile(path, {
      draft: set,
      window: { from: 0, to: Date.UTC(2030, 0, 1) },
      features: fs2,
      examples: 2,
    });
    // TRANSFER: i = 0, 5, ..., 45; amount > 500,000: i >= 26; orig_new_payee = 1: odd i -> 35, 45.
    expect(report.payments).toBe(50);
    expect(report.any).toMatchObject({ payments: 2, amount: 35 * 20_000 + 45 * 20_000, unlabelled: 2 });
    expect(report.examples.map((e) => e.txId)).toEqual(['t-45', 't-35']);
    expect(formatBacktest(report)).toContain('big-transfer');
  });
});
