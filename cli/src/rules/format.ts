import type { BacktestReport, RuleHits, RuleProblem } from '@fraud/model/rules';
import type { RuleSet } from '@fraud/schemas';
import { table } from '../table.ts';
import type { RuleSetHistory } from './control.ts';

const when = (t: number): string => (t > 0 ? new Date(t).toISOString().replace('T', ' ').slice(0, 19) : '-');
const money = (minor: number): string =>
  (minor / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pct = (n: number, d: number): string => (d > 0 ? `${((100 * n) / d).toFixed(1)}%` : '-');

/** `fraud rules list`: every published version, the one in force marked. */
export function formatVersions(h: RuleSetHistory): string {
  const versions = [...h.versions.values()].sort((a, b) => b.version - a.version);
  if (versions.length === 0)
    return 'no rule set published yet: write one (docs/rules.md), then `fraud rules publish FILE`';
  const rows = versions.map((s) => [
    s.version === h.active?.version ? `* ${s.version}` : `  ${s.version}`,
    String(s.rules.length),
    String(s.rules.filter((r) => r.enabled).length),
    String(Object.keys(s.lists).length),
    s.publishedBy || '-',
    when(s.publishedAt),
  ]);
  const note =
    h.active === null
      ? '\nno rule set in force'
      : h.active.rolledBackFrom !== null
        ? `\n* in force: version ${h.active.version}, rolled back from ${h.active.rolledBackFrom} ` +
          `by ${h.active.publishedBy}`
        : '\n* in force';
  return `${table(['VERSION', 'RULES', 'ENABLED', 'LISTS', 'BY', 'PUBLISHED (UTC)'], rows)}${note}`;
}

/** `fraud rules show`: one rule per line, then the lists' sizes. */
export function formatRuleSet(s: RuleSet): string {
  const rows = [...s.rules]
    .sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name))
    .map((r) => [r.name, r.action, String(r.priority), r.enabled ? 'yes' : 'no', r.expression.replace(/\s+/g, ' ')]);
  const lists = Object.entries(s.lists).map(([n, v]) => `${n} (${v.length})`);
  return [
    `rule set version ${s.version}, published by ${s.publishedBy || '-'} at ${when(s.publishedAt)} UTC`,
    table(['NAME', 'ACTION', 'PRIORITY', 'ENABLED', 'EXPRESSION'], rows),
    `lists: ${lists.join(', ') || 'none'}`,
  ].join('\n');
}

export function formatProblems(file: string, problems: readonly RuleProblem[]): string {
  return problems
    .map((p) => `${file}: ${p.rule === null ? 'rule set' : `rule ${p.rule}`} ${p.line}:${p.column}: ${p.message}`)
    .join('\n');
}

function hitRow(h: RuleHits, r: BacktestReport): string[] {
  return [
    h.rule,
    String(h.payments),
    pct(h.payments, r.payments),
    money(h.amount),
    `${h.fraudCaught} (${pct(h.fraudCaught, r.labelledFraud)})`,
    String(h.falsePositives),
    String(h.unlabelled),
    `${h.modelFlagged} (${pct(h.modelFlagged, h.payments)})`,
  ];
}

/** `fraud rules backtest`: per rule and for the set, then a few example payments. */
export function formatBacktest(r: BacktestReport): string {
  const head = ['RULE', 'HITS', 'OF ALL', 'AMOUNT', 'FRAUD CAUGHT', 'FALSE POS', 'UNLABELLED', 'MODEL FLAGGED'];
  const rows = [...r.rules.map((h) => hitRow(h, r)), hitRow(r.any, r)];
  const exampleHead = ['TXID', 'EVENT (UTC)', 'TYPE', 'AMOUNT', 'ACCOUNTS', 'SCORE', 'DECISION', 'LABEL'];
  const examples = r.examples.map((e) => [
    String(e.txId),
    when(Number(e.eventTime)),
    String(e.type),
    money(Number(e.amount)),
    `${String(e.originAccount)} -> ${String(e.destAccount)}`,
    Number(e.score).toFixed(3),
    String(e.decision),
    e.isFraud === null || e.isFraud === undefined ? '-' : e.isFraud ? 'fraud' : 'legit',
  ]);
  return [
    `window ${when(r.window.from)} .. ${when(r.window.to)} UTC: ${r.payments} stored decisions, ` +
      `amount ${money(r.amount)}, ${r.labelledFraud} labelled fraud` +
      (r.featureSet !== null ? ` (feature set ${r.featureSet} only)` : ''),
    table(head, rows),
    examples.length > 0 ? `examples (labelled fraud first):\n${table(exampleHead, examples)}` : 'no payment hit',
    `answered in ${r.elapsedMs} ms`,
  ].join('\n');
}
