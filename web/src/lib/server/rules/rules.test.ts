import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTROL_KEYS, ruleSetSchema, type RuleSet } from '@fraud/schemas';
import { createAuditLog } from '../db/audit.ts';
import { openDatabase, type Database } from '../db/database.ts';
import type { Publisher } from '../kafka/publisher.ts';
import { createDraftStore, RULES_SUBJECT } from './drafts.ts';
import { explainFired } from './explain.ts';
import { createRulePublishing } from './publish.ts';
import { aloneWith, checkDraft, draftWith, parseEditedRule, parseWindow } from './rule-form.ts';
import { createRuleState } from './rule-state.ts';
import { perRule } from './rule-warehouse.ts';

const rec = (key: string, value: unknown) => ({
  key: Buffer.from(key),
  value: value === null ? null : Buffer.from(JSON.stringify(value)),
});
const set = (version: number, rules: { name: string; expression: string }[], over: Partial<RuleSet> = {}): RuleSet =>
  ruleSetSchema.parse({ version, rules: rules.map((r) => ({ ...r, action: 'REVIEW' })), ...over });
const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};
const catalogue = { features: ['amountToBalance'], featureSet: 'fs-v2' };

describe('rule state (control topic)', () => {
  it('keeps the set in force and every version; a tombstone clears the set in force only', () => {
    const s = createRuleState();
    s.apply(rec('rule-set@1', set(1, [{ name: 'a', expression: 'amount > 1' }])));
    s.apply(rec('rule-set@2', set(2, [{ name: 'b', expression: 'amount > 2' }])));
    s.apply(rec(CONTROL_KEYS.ruleSet, set(2, [{ name: 'b', expression: 'amount > 2' }])));
    s.apply(rec('decision-policy', {}));
    expect(s.current()?.version).toBe(2);
    expect(s.versions().map((v) => v.version)).toEqual([2, 1]);
    expect(s.nextVersion()).toBe(3);
    s.apply(rec(CONTROL_KEYS.ruleSet, null));
    expect(s.current()).toBeNull();
    expect(s.nextVersion()).toBe(3);
    expect(s.version(1)?.rules[0]?.name).toBe('a');
  });
});

describe('editor form', () => {
  it('reads the rule and the window', () => {
    const f = form({ name: ' big ', action: 'BLOCK', priority: '5', expression: 'amount >\r\n 5', window: '7d' });
    expect(parseEditedRule(f)).toEqual({
      name: 'big',
      action: 'BLOCK',
      priority: 5,
      description: '',
      expression: 'amount >\n 5',
    });
    expect(parseWindow(f, 1_000_000_000_000)).toMatchObject({ from: 1_000_000_000_000 - 7 * 86_400_000, to: 1e12 });
    expect(() => parseEditedRule(form({ action: 'DROP' }))).toThrow(/action must be one of/);
    expect(() => parseWindow(form({ window: 'custom', fromMs: '5', toMs: '5' }), 0)).toThrow(/end after it starts/);
    expect(parseWindow(form({ window: 'custom', fromMs: '5', toMs: '9' }), 0)).toMatchObject({ from: 5, to: 9 });
  });
  it('a draft adds the edited rule or replaces its namesake; problems carry line:column', () => {
    const current = set(3, [{ name: 'a', expression: 'amount > 1' }], { lists: { mules: ['C1'] } });
    const edited = { name: 'a', action: 'BLOCK', priority: 1, description: '', expression: 'destAccount in mules' };
    const ok = checkDraft(draftWith(current, edited), catalogue);
    expect(ok.ok && ok.ruleSet.rules.map((r) => [r.name, r.action])).toEqual([['a', 'BLOCK']]);
    expect((aloneWith(current, { ...edited, name: 'z' }) as RuleSet).rules).toHaveLength(1);
    const bad = checkDraft(
      draftWith(current, { ...edited, name: 'b', expression: 'amount > 5\n  and amout < 3' }),
      catalogue,
    );
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems[0]).toMatchObject({ rule: 'b', line: 2, column: 7 });
  });
});

describe('hits and explanations', () => {
  it('splits combinations of rules fired into per-rule counts', () => {
    const m = perRule([
      { rules: 'a,b', payments: 2, amount: 10, fraud: 1 },
      { rules: 'a', payments: 3, amount: 5, fraud: 0 },
    ]);
    expect(m.get('a')).toEqual({ payments: 5, amount: 15, fraud: 1 });
    expect(m.get('b')).toEqual({ payments: 2, amount: 10, fraud: 1 });
  });
  it('names each fired rule with its expression in the version the scorer applied', () => {
    const s = createRuleState();
    s.apply(rec('rule-set@1', set(1, [{ name: 'a', expression: 'amount > 1' }])));
    s.apply(rec(CONTROL_KEYS.ruleSet, set(2, [{ name: 'a', expression: 'amount > 2' }])));
    const e = explainFired(s, { rulesFired: ['a', 'block-list', 'gone'], ruleSetVersion: 1 });
    expect(e.rules.map((r) => [r.source, r.expression])).toEqual([
      ['rule-set', 'amount > 1'],
      ['policy', 'origin or destination on the Policy page block list'],
      ['unknown', null],
    ]);
  });
});

describe('publishing (console database, fake publisher)', () => {
  let db: Database | undefined;
  let dir = '';
  afterEach(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  it('publishes a proposed draft as the next version, disables a rule, rolls back; all audited', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fraud-web-rules-'));
    db = await openDatabase(join(dir, 'web.duckdb'));
    const audit = createAuditLog(db);
    const sent: { keys: readonly string[]; set: RuleSet }[] = [];
    const publisher = { ruleSet: async (s: RuleSet, keys: readonly string[]) => void sent.push({ keys, set: s }) };
    const state = createRuleState();
    const drafts = createDraftStore(db, audit);
    const features = async () => ({ catalogue, featureNames: ['amountToBalance'], model: 'm1' });
    const p = createRulePublishing({ state, publisher: publisher as unknown as Publisher, audit, drafts, features });

    const draft = await drafts.propose('ann', set(0, [{ name: 'big', expression: 'amount > 5' }]), 'new attack', {});
    const v1 = await p.publishDraft('ada', draft.id);
    expect(v1).toMatchObject({ version: 1, publishedBy: 'ada' });
    expect(sent[0]?.keys).toEqual(['rule-set@1', 'rule-set']);
    expect((await drafts.get(draft.id)).status).toBe('PUBLISHED');
    await expect(p.publishDraft('ada', draft.id)).rejects.toThrow(/already published/);

    const v2 = await p.setEnabled('ada', 'big', false);
    expect(v2.version).toBe(2);
    expect(v2.rules[0]?.enabled).toBe(false);
    const back = await p.rollback('ada', 1);
    expect(back).toMatchObject({ version: 1, rolledBackFrom: 2 });
    expect(sent[2]?.keys).toEqual(['rule-set']);
    expect(state.current()?.rules[0]?.enabled).toBe(true);
    expect(state.nextVersion()).toBe(3);

    const bad = await drafts.propose('ann', set(0, [{ name: 'typo', expression: 'amout > 5' }]), '', {}, 1);
    await expect(p.publishDraft('ada', bad.id)).rejects.toThrow(/rule typo 1:1/);
    // A draft written on another version than the one in force would undo what was published since.
    const stale = await drafts.propose('ann', set(0, [{ name: 'old', expression: 'amount > 1' }]), '', {}, 2);
    await expect(p.publishDraft('ada', stale.id)).rejects.toThrow(/written on rule set version 2 and version 1/);
    expect((await audit.forSubject(RULES_SUBJECT)).map((a) => a.action)).toEqual([
      'rules.propose',
      'rules.publish',
      'rules.disable',
      'rules.rollback',
      'rules.propose',
      'rules.propose',
    ]);
  });
});
