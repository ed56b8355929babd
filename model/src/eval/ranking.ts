import { FraudError } from '@fraud/common';
import { classTotals, type Labels, type Scores } from './metrics.ts';

/**
 * Ranking metrics of the quality benchmark (bench/quality.ts, docs/model.md "Quality as a
 * benchmark"): ROC AUC, Card Precision@k per day (the Reproducible Machine Learning for Credit
 * Card Fraud Detection handbook's measure) and recall at a review rate. Rows with equal scores
 * are one group everywhere: no metric depends on the input order of tied rows.
 */

const weightOf = (weights: Scores | undefined, i: number): number => (weights === undefined ? 1 : (weights[i] ?? 0));
const fraud = (labels: Labels, i: number): boolean => (labels[i] ?? 0) > 0.5;

/** Groups of row indices with equal score, highest score first. */
function scoreGroups(scores: Scores): number[][] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b,
  );
  const groups: number[][] = [];
  let prev = Number.NaN;
  for (const i of order) {
    const s = scores[i] ?? 0;
    if (groups.length === 0 || s !== prev) groups.push([]);
    groups[groups.length - 1]?.push(i);
    prev = s;
  }
  return groups;
}

/**
 * Area under the ROC curve, ties counted as half (the trapezoid over each group of equal scores,
 * as scikit-learn's roc_auc_score): the probability that a random fraud scores above a random
 * legitimate row. NaN unless both classes are present.
 */
export function rocAuc(scores: Scores, labels: Labels, weights?: Scores): number {
  const { positives, negatives } = classTotals(labels, weights);
  if (positives === 0 || negatives === 0) return Number.NaN;
  let tp = 0;
  let area = 0;
  for (const group of scoreGroups(scores)) {
    let dtp = 0;
    let dfp = 0;
    for (const i of group) {
      if (fraud(labels, i)) dtp += weightOf(weights, i);
      else dfp += weightOf(weights, i);
    }
    area += dfp * (tp + dtp / 2);
    tp += dtp;
  }
  return area / (positives * negatives);
}

/**
 * Recall when the top `rate` of payments by score are reviewed (weighted: the top `rate` of the
 * total weight). A group of tied scores straddling the budget is reviewed in part, pro rata: the
 * expected recall of breaking the tie at random. NaN without fraud.
 */
export function recallAtReviewRate(scores: Scores, labels: Labels, rate: number, weights?: Scores): number {
  if (!(rate >= 0 && rate <= 1)) throw new FraudError('CONFIG_INVALID', `review rate must be in [0, 1], got ${rate}`);
  const { positives, negatives } = classTotals(labels, weights);
  if (positives === 0) return Number.NaN;
  let budget = rate * (positives + negatives);
  let caught = 0;
  for (const group of scoreGroups(scores)) {
    if (budget <= 0) break;
    let total = 0;
    let frauds = 0;
    for (const i of group) {
      total += weightOf(weights, i);
      if (fraud(labels, i)) frauds += weightOf(weights, i);
    }
    const share = total === 0 ? 1 : Math.min(1, budget / total);
    caught += share * frauds;
    budget -= total;
  }
  return caught / positives;
}

export interface CardPrecisionInput {
  scores: Scores;
  labels: Labels;
  /** The card (or customer account) of each row. */
  cards: readonly string[];
  /** The day of each row (any integer key: days since an epoch). */
  days: ArrayLike<number>;
  /** Cards investigated per day; the handbook's k is 100. */
  k: number;
  /**
   * A card found compromised (fraud among the day's top k) is blocked: it leaves the ranking of
   * the following days, as in the handbook. Default true.
   */
  removeDetected?: boolean;
}

export interface CardPrecisionResult {
  /** Mean of the daily values: NaN without days. */
  mean: number;
  perDay: { day: number; cards: number; compromisedCards: number; detected: number; precision: number }[];
}

interface CardDay {
  card: string;
  maxScore: number;
  compromised: boolean;
}

/** Cards of each day with their highest score that day and whether any payment of theirs was fraud. */
function cardsByDay(input: CardPrecisionInput): Map<number, Map<string, CardDay>> {
  const out = new Map<number, Map<string, CardDay>>();
  for (let i = 0; i < input.scores.length; i++) {
    const day = input.days[i] ?? 0;
    const card = input.cards[i] ?? '';
    const cards = out.get(day) ?? new Map<string, CardDay>();
    out.set(day, cards);
    const c = cards.get(card) ?? { card, maxScore: Number.NEGATIVE_INFINITY, compromised: false };
    c.maxScore = Math.max(c.maxScore, input.scores[i] ?? 0);
    c.compromised ||= fraud(input.labels, i);
    cards.set(card, c);
  }
  return out;
}

/**
 * Card Precision@k per day (handbook, "Precision top-k metrics"): each day, the cards are ranked by
 * their highest score that day and the k first are investigated; the day's value is the number of
 * compromised cards among them divided by k (k, not the cards present: a day with fewer than k
 * cards cannot reach 1). The result is the mean over days. Ties rank by card id, so the value does
 * not depend on row order.
 */
export function cardPrecisionAtK(input: CardPrecisionInput): CardPrecisionResult {
  const n = input.scores.length;
  if (input.labels.length !== n || input.cards.length !== n || input.days.length !== n) {
    throw new FraudError('CONFIG_INVALID', `card precision: scores, labels, cards and days must have ${n} rows each`);
  }
  if (!(Number.isInteger(input.k) && input.k > 0)) {
    throw new FraudError('CONFIG_INVALID', `card precision: k must be a positive integer, got ${input.k}`);
  }
  const removeDetected = input.removeDetected ?? true;
  const blocked = new Set<string>();
  const perDay: CardPrecisionResult['perDay'] = [];
  for (const [day, cardMap] of [...cardsByDay(input)].sort(([a], [b]) => a - b)) {
    const cards = [...cardMap.values()].filter((c) => !blocked.has(c.card));
    cards.sort((a, b) => b.maxScore - a.maxScore || (a.card < b.card ? -1 : a.card > b.card ? 1 : 0));
    const top = cards.slice(0, input.k).filter((c) => c.compromised);
    if (removeDetected) for (const c of top) blocked.add(c.card);
    perDay.push({
      day,
      cards: cards.length,
      compromisedCards: cards.filter((c) => c.compromised).length,
      detected: top.length,
      precision: top.length / input.k,
    });
  }
  const mean = perDay.length === 0 ? Number.NaN : perDay.reduce((s, d) => s + d.precision, 0) / perDay.length;
  return { mean, perDay };
}
