import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { FraudError, createLogger, errorMessage } from '@fraud/common';
import { createKafka, type Kafka, type Producer } from '@fraud/kafka';
import { problemsOf, validateRuleSet, type BacktestReport } from '@fraud/model/rules';
import { topicNames } from '@fraud/schemas';
import { envHelp } from '../config/catalogue.ts';
import { parseCliEnv, parseRulesEnv, type RulesEnv } from '../config/env.ts';
import { nonNegativeInt } from '../args.ts';
import { publishRuleSet, readRuleSets, rollbackRuleSet, type RuleSetHistory } from '../rules/control.ts';
import { backtestOverApi, backtestOverFile } from '../rules/backtest.ts';
import { ruleFeatures } from '../rules/features.ts';
import { formatBacktest, formatProblems, formatRuleSet, formatVersions } from '../rules/format.ts';

/**
 * `fraud rules list|show|validate|backtest|publish|rollback`: analysts' rules (docs/rules.md) from
 * the terminal. Rule sets are JSON files ({ "rules": [...], "lists": {...} }); published versions
 * live on the control topic, and every scorer applies the one in force at its next chunk.
 */
const time =
  (name: string) =>
  (v: string): number => {
    const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(t))
      throw new InvalidArgumentError(`${name} must be an ISO time (2026-01-02T03:00Z) or epoch ms`);
    return t;
  };
const positiveNumber = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError(`${name} must be a number > 0`);
  return n;
};
const versionArg = (v: string): number => {
  if (!/^[1-9][0-9]*$/.test(v))
    throw new InvalidArgumentError('a version is a whole number >= 1 (see `fraud rules list`)');
  return Number(v);
};

function rulesEnv(): RulesEnv {
  return parseRulesEnv();
}

/** Reads a rule set file: JSON, or a FraudError that names the file. */
export async function readDraft(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err: unknown) {
    throw new FraudError('NOT_FOUND', `cannot read ${file}: ${errorMessage(err)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err: unknown) {
    throw new FraudError(
      'RULE_INVALID',
      `${file} is not JSON: ${errorMessage(err)} (see docs/rules.md for the format)`,
    );
  }
}

/** Validates a draft; on problems prints each as FILE: rule NAME LINE:COL: message and fails. */
function checkDraft(file: string, draft: unknown, spec: string | undefined) {
  const features = ruleFeatures(spec);
  try {
    return { set: validateRuleSet(draft, features.catalogue), features };
  } catch (err: unknown) {
    const problems = problemsOf(err);
    if (problems.length === 0) throw err;
    throw new FraudError(
      'RULE_INVALID',
      `${formatProblems(file, problems)}\n${problems.length} problem(s): nothing was published`,
    );
  }
}

/** Opens Kafka, hands `fn` the control topic's rule sets and a producer, closes both. */
async function withControl<T>(
  fn: (h: RuleSetHistory, w: { producer: Producer; topic: string }) => Promise<T>,
): Promise<T> {
  const env = rulesEnv();
  const logger = createLogger('rules', env.LOG_LEVEL);
  const kafka = createKafka(env, 'fraud-rules', logger);
  const topic = topicNames(env.TOPIC_PREFIX).control;
  await requireTopic(kafka, topic, env.TOPIC_PREFIX);
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    const history = await readRuleSets({ kafka, topic, logger });
    return await fn(history, { producer, topic });
  } finally {
    await producer.disconnect();
  }
}

/** A missing control topic is a stack not set up (or another TOPIC_PREFIX): say so, rather than retry. */
async function requireTopic(kafka: Kafka, topic: string, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) return;
  } finally {
    await admin.disconnect();
  }
  throw new FraudError(
    'NOT_FOUND',
    `the control topic ${topic} does not exist on this cluster: \`fraud infra up\` (or \`fraud infra topics\`) ` +
      `creates it${prefix ? ` (TOPIC_PREFIX is ${prefix})` : ''}`,
  );
}

const actorOf = (o: { actor?: string }): string => o.actor ?? parseCliEnv().USER;
const print = (text: string): void => void process.stdout.write(`${text}\n`);

export function register(program: Command): void {
  const rules = program
    .command('rules')
    .description("analysts' rules beside the model: list, show, validate, backtest, publish, roll back (docs/rules.md)")
    .addHelpText(
      'after',
      `
Examples:
  fraud rules validate rules.json
  fraud rules backtest rules.json --hours 168            # the last 7 days of the warehouse
  fraud rules backtest rules.json --rule big-transfer --from 2026-12-01 --to 2026-12-03
  fraud rules publish rules.json --actor alice
  fraud rules list
  fraud rules show --json > current.json                 # the file to edit and publish again
  fraud rules rollback                                   # the version before the one in force
${envHelp('rules')}`,
    );
  registerRead(rules);
  registerValidate(rules);
  registerBacktest(rules);
  registerWrite(rules);
}

function registerRead(rules: Command): void {
  rules
    .command('list')
    .description('every published rule set version, the one in force marked *')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withControl(async (h) => {
        const versions = [...h.versions.values()].sort((a, b) => b.version - a.version);
        print(o.json ? JSON.stringify({ active: h.active?.version ?? null, versions }, null, 2) : formatVersions(h));
      }),
    );
  rules
    .command('show [version]')
    .description('a rule set: the one in force, or the version given')
    .option('--json', 'print the rule set as JSON (a file to edit and publish again)')
    .action((version: string | undefined, o: { json?: boolean }) =>
      withControl(async (h) => {
        const set = version === undefined ? h.active : h.versions.get(versionArg(version));
        if (!set) {
          throw new FraudError(
            'NOT_FOUND',
            version === undefined
              ? 'no rule set in force: `fraud rules list` shows the versions'
              : `no version ${version}`,
          );
        }
        print(o.json ? JSON.stringify(set, null, 2) : formatRuleSet(set));
      }),
    );
}

function registerValidate(rules: Command): void {
  rules
    .command('validate <file>')
    .description('check a rule set file: syntax and types against the transaction fields, the features, score, lists')
    .option('--feature-spec <name|file>', 'the feature set rules may read (default: the built-in fs-v2)')
    .action(async (file: string, o: { featureSpec?: string }) => {
      const { set, features } = checkDraft(file, await readDraft(file), o.featureSpec);
      const enabled = set.rules.filter((r) => r.enabled).length;
      print(`${file}: ${set.rules.length} rule(s), ${enabled} enabled: valid against ${features.catalogue.featureSet}`);
    });
}

interface BacktestFlags {
  rule?: string[];
  from?: number;
  to?: number;
  hours: number;
  examples: number;
  warehouse?: string;
  featureSpec?: string;
  json?: boolean;
}

function registerBacktest(rules: Command): void {
  rules
    .command('backtest <file>')
    .description('how a draft would have fired on stored decisions: hits, amount, fraud caught, false positives')
    .option('--rule <name...>', 'only these rules of the file')
    .option('--from <time>', 'window start, ISO or epoch ms (default: --hours before --to)', time('--from'))
    .option('--to <time>', 'window end, exclusive (default: now)', time('--to'))
    .option('--hours <n>', 'window length when --from is not given', positiveNumber('--hours'), 24 * 7)
    .option('--examples <n>', 'example payments to show', nonNegativeInt('--examples'), 10)
    .option('--warehouse <file>', 'a DuckDB warehouse file to open directly (default: ask the warehouse sink)')
    .option('--feature-spec <name|file>', 'the feature set rules may read (default: the built-in fs-v2)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Without --warehouse the running warehouse sink answers (WAREHOUSE_API_URL; DuckDB or BigQuery, the
same SQL). The sink holds the DuckDB file open, so --warehouse is for a file no sink is writing.`,
    )
    .action(async (file: string, o: BacktestFlags) => {
      const { set, features } = checkDraft(file, await readDraft(file), o.featureSpec);
      const chosen = o.rule ? set.rules.filter((r) => o.rule!.includes(r.name)) : set.rules;
      const missing = (o.rule ?? []).filter((n) => !set.rules.some((r) => r.name === n));
      if (missing.length > 0) throw new FraudError('NOT_FOUND', `no rule named ${missing.join(', ')} in ${file}`);
      const to = o.to ?? Date.now();
      const window = { from: o.from ?? to - o.hours * 3_600_000, to };
      const draft = { ...set, rules: chosen.map((r) => ({ ...r, enabled: true })) };
      process.stderr.write(`backtesting ${chosen.length} rule(s) over the warehouse...\n`);
      const request = { draft, window, features, examples: o.examples };
      const report: BacktestReport =
        o.warehouse !== undefined
          ? await backtestOverFile(o.warehouse, request)
          : await backtestOverApi(rulesEnv().WAREHOUSE_API_URL, request);
      print(o.json ? JSON.stringify(report, null, 2) : formatBacktest(report));
    });
}

function registerWrite(rules: Command): void {
  rules
    .command('publish <file>')
    .description('validate, then publish as the next version: every scorer applies it at its next chunk')
    .option('--actor <name>', 'who publishes (audit trail; default USER)')
    .option('--feature-spec <name|file>', 'the feature set rules may read (default: the built-in fs-v2)')
    .action(async (file: string, o: { actor?: string; featureSpec?: string }) => {
      const draft = await readDraft(file);
      checkDraft(file, draft, o.featureSpec);
      await withControl(async (h, w) => {
        const set = await publishRuleSet(w, h, draft, {
          actor: actorOf(o),
          features: ruleFeatures(o.featureSpec).catalogue,
        });
        print(`published rule set version ${set.version} (${set.rules.length} rule(s)) on ${w.topic}: in force now`);
      });
    });
  rules
    .command('rollback')
    .description('put an older version back in force (default: the one before the version in force)')
    .option('--to <version>', 'the version to restore', versionArg)
    .option('--actor <name>', 'who rolls back (audit trail; default USER)')
    .action((o: { to?: number; actor?: string }) =>
      withControl(async (h, w) => {
        const set = await rollbackRuleSet(w, h, { to: o.to, actor: actorOf(o) });
        print(`rule set version ${set.version} is in force again (was ${set.rolledBackFrom ?? 'none'})`);
      }),
    );
}
