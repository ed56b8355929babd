import { z } from 'zod';
import { DECISIONS, TRANSACTION_TYPES } from '@fraud/schemas';

/**
 * The named questions the console, the review queue and the retrainer ask the warehouse.
 * No arbitrary SQL crosses the API: each question has a zod schema for its parameters
 * (validated before anything reaches the database) and one SQL template (see dialect.ts)
 * rendered for DuckDB or BigQuery. Optional filters use sentinels ('' or 0) rather than NULL
 * parameters, which neither backend can type.
 */
const MAX_MS = 8_640_000_000_000_000;
const from = z.coerce.number().int().min(0).max(MAX_MS).default(0);
const to = z.coerce.number().int().min(0).max(MAX_MS).default(MAX_MS);
const limit = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);
const optType = z.enum(TRANSACTION_TYPES).or(z.literal('')).default('');
const optDecision = z.enum(DECISIONS).or(z.literal('')).default('');
const id = z.string().regex(/^[A-Za-z0-9._:@-]{1,64}$/, 'letters, digits and . _ : @ - only, at most 64');

export interface Question {
  name: string;
  description: string;
  params: z.ZodObject;
  sql: string;
}

const SCORED_COLUMNS = `s.txId, {ms(s.eventTime)} AS eventTime, s.type, s.amount, s.currency,
  s.originAccount, s.originBalanceBefore, s.destAccount, s.destBalanceBefore, s.channel,
  s.featureSet, s.features, s.score, s.decision, s.reviewThreshold, s.blockThreshold,
  s.modelVersion, s.reasons, s.rulesFired, s.ruleSetVersion, s.shadowModelVersion, s.shadowScore, s.shadowDecision,
  {ms(s.scoredAt)} AS scoredAt, l.isFraud, l.source AS labelSource, {ms(l.labeledAt)} AS labeledAt, l.typology`;

export const QUESTIONS: Question[] = [
  {
    name: 'fraud-rate-by-type-hour',
    description: 'Per hour and transaction type: volume, share flagged (REVIEW+BLOCK), labelled fraud rate',
    params: z.object({ from, to }),
    sql: `SELECT {hourMs(s.eventTime)} AS hour, s.type, COUNT(*) AS transactions,
      SUM(CASE WHEN s.decision <> 'APPROVE' THEN 1 ELSE 0 END) AS flagged,
      SUM(CASE WHEN s.decision <> 'APPROVE' THEN 1 ELSE 0 END) / COUNT(*) AS flaggedRate,
      COUNT(l.txId) AS labelled, SUM(CASE WHEN l.isFraud THEN 1 ELSE 0 END) AS fraud,
      SUM(CASE WHEN l.isFraud THEN 1 ELSE 0 END) / NULLIF(COUNT(l.txId), 0) AS fraudRate
      FROM {scored} s LEFT JOIN {labels} l ON l.txId = s.txId
      WHERE s.eventTime >= {ts(@from)} AND s.eventTime < {ts(@to)}
      GROUP BY 1, 2 ORDER BY 1, 2`,
  },
  {
    name: 'amount-distribution',
    description: 'Amount distribution (minor units) by type and decision',
    params: z.object({ from, to }),
    sql: `SELECT s.type, s.decision, COUNT(*) AS transactions, SUM(s.amount) AS total, AVG(s.amount) AS mean,
      MIN(s.amount) AS min, {q(s.amount, 0.5)} AS p50, {q(s.amount, 0.9)} AS p90, {q(s.amount, 0.99)} AS p99,
      MAX(s.amount) AS max
      FROM {scored} s WHERE s.eventTime >= {ts(@from)} AND s.eventTime < {ts(@to)}
      GROUP BY 1, 2 ORDER BY 1, 2`,
  },
  {
    name: 'top-destinations',
    description: 'Destination accounts receiving the most flagged or labelled-fraud money',
    params: z.object({ from, to, limit: limit(100, 20) }),
    sql: `SELECT s.destAccount, COUNT(*) AS transactions, SUM(s.amount) AS total,
      SUM(CASE WHEN s.decision = 'BLOCK' THEN 1 ELSE 0 END) AS blocked,
      SUM(CASE WHEN s.decision = 'REVIEW' THEN 1 ELSE 0 END) AS reviewed,
      SUM(CASE WHEN l.isFraud THEN 1 ELSE 0 END) AS labelledFraud
      FROM {scored} s LEFT JOIN {labels} l ON l.txId = s.txId
      WHERE s.eventTime >= {ts(@from)} AND s.eventTime < {ts(@to)}
      GROUP BY 1 ORDER BY labelledFraud DESC, blocked DESC, reviewed DESC, total DESC, s.destAccount LIMIT @limit`,
  },
  {
    name: 'typologies',
    description: 'Labelled fraud by typology: count, amount, how the model decided',
    params: z.object({ from, to }),
    sql: `SELECT COALESCE(l.typology, 'unknown') AS typology, COUNT(*) AS cases, SUM(s.amount) AS total,
      SUM(CASE WHEN s.decision = 'BLOCK' THEN 1 ELSE 0 END) AS blocked,
      SUM(CASE WHEN s.decision = 'REVIEW' THEN 1 ELSE 0 END) AS reviewed,
      SUM(CASE WHEN s.decision = 'APPROVE' THEN 1 ELSE 0 END) AS missed
      FROM {labels} l JOIN {scored} s ON s.txId = l.txId
      WHERE l.isFraud AND s.eventTime >= {ts(@from)} AND s.eventTime < {ts(@to)}
      GROUP BY 1 ORDER BY cases DESC, typology`,
  },
  {
    name: 'decision-counts',
    description: 'Decisions by outcome and type',
    params: z.object({ from, to }),
    sql: `SELECT s.decision, s.type, COUNT(*) AS transactions, SUM(s.amount) AS total
      FROM {scored} s WHERE s.eventTime >= {ts(@from)} AND s.eventTime < {ts(@to)}
      GROUP BY 1, 2 ORDER BY 1, 2`,
  },
  {
    name: 'decision',
    description: 'One decision by txId, with its label if any',
    params: z.object({ txId: id }),
    sql: `SELECT ${SCORED_COLUMNS} FROM {scored} s LEFT JOIN {labels} l ON l.txId = s.txId WHERE s.txId = @txId`,
  },
  {
    name: 'recent-decisions',
    description: 'Latest decisions, optionally filtered by type and decision',
    params: z.object({ type: optType, decision: optDecision, limit: limit(500, 50) }),
    sql: `SELECT ${SCORED_COLUMNS} FROM {scored} s LEFT JOIN {labels} l ON l.txId = s.txId
      WHERE (@type = '' OR s.type = @type) AND (@decision = '' OR s.decision = @decision)
      ORDER BY s.scoredAt DESC, s.txId LIMIT @limit`,
  },
  {
    name: 'account-history',
    description: "An account's recent transactions, as origin or destination (review queue context)",
    params: z.object({ account: id, limit: limit(500, 50) }),
    sql: `SELECT ${SCORED_COLUMNS}, CASE WHEN s.originAccount = @account THEN 'origin' ELSE 'destination' END AS role
      FROM {scored} s LEFT JOIN {labels} l ON l.txId = s.txId
      WHERE s.originAccount = @account OR s.destAccount = @account
      ORDER BY s.eventTime DESC, s.txId LIMIT @limit`,
  },
  {
    name: 'labelled-examples',
    description:
      'Labelled transactions with the features logged at decision time, in event-time order (retrainer); ' +
      'page with afterEventTime/afterTxId',
    params: z.object({
      featureSet: z
        .string()
        .regex(/^[A-Za-z0-9._-]{0,64}$/)
        .default(''),
      from,
      to,
      afterEventTime: z.coerce.number().int().min(-1).max(MAX_MS).default(-1),
      afterTxId: z
        .string()
        .regex(/^[A-Za-z0-9._:@-]{0,64}$/)
        .default(''),
      limit: limit(50_000, 10_000),
    }),
    sql: `SELECT s.txId, {ms(s.eventTime)} AS eventTime, s.type, s.amount, s.featureSet, s.features, s.score,
      s.decision, s.modelVersion,
      l.isFraud, l.source, {ms(l.labeledAt)} AS labeledAt, l.typology
      FROM {scored} s JOIN {labels} l ON l.txId = s.txId
      WHERE (@featureSet = '' OR s.featureSet = @featureSet) AND s.eventTime >= {ts(@from)} AND s.eventTime < {ts(@to)}
        AND (s.eventTime > {ts(@afterEventTime)} OR (s.eventTime = {ts(@afterEventTime)} AND s.txId > @afterTxId))
      ORDER BY s.eventTime, s.txId LIMIT @limit`,
  },
  {
    name: 'rule-hits',
    description:
      'Payments by the rules that fired on them (rulesFired joined with commas; rule names hold none), ' +
      'with amount and labelled fraud (the console splits the combinations into per-rule hit counts)',
    params: z.object({ from, to }),
    sql: `SELECT ARRAY_TO_STRING(s.rulesFired, ',') AS rules, COUNT(*) AS payments, SUM(s.amount) AS amount,
      SUM(CASE WHEN l.isFraud THEN 1 ELSE 0 END) AS fraud
      FROM {scored} s LEFT JOIN {labels} l ON l.txId = s.txId
      WHERE s.eventTime >= {ts(@from)} AND s.eventTime < {ts(@to)} AND ARRAY_LENGTH(s.rulesFired) > 0
      GROUP BY 1 ORDER BY payments DESC, rules LIMIT 1000`,
  },
  {
    name: 'model-versions',
    description: 'Model versions seen on model-updates, newest first',
    params: z.object({ limit: limit(500, 100) }),
    sql: `SELECT version, role, {ms(createdAt)} AS createdAt, featureSet, reviewThreshold, blockThreshold, sha256, uri,
      metadata
      FROM {model_versions} ORDER BY createdAt DESC LIMIT @limit`,
  },
];

export const QUESTIONS_BY_NAME = new Map(QUESTIONS.map((q) => [q.name, q]));
