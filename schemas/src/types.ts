/**
 * TypeScript shapes of the Avro records in ../avro. Avro longs are JS numbers (safe to 2^53:
 * minor units and epoch millis fit); timestamp-millis values are epoch milliseconds.
 * schemas/test/types.test.ts checks these against the .avsc files so they cannot drift.
 */
export const TRANSACTION_TYPES = ['CASH_IN', 'CASH_OUT', 'DEBIT', 'PAYMENT', 'TRANSFER'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];
export const DECISIONS = ['APPROVE', 'REVIEW', 'BLOCK'] as const;
export type Decision = (typeof DECISIONS)[number];
export const LABEL_SOURCES = ['SIMULATION', 'CHARGEBACK', 'ANALYST'] as const;
export type LabelSource = (typeof LABEL_SOURCES)[number];
export const MODEL_ROLES = ['CHAMPION', 'SHADOW'] as const;
export type ModelRole = (typeof MODEL_ROLES)[number];

export interface Transaction {
  txId: string;
  eventTime: number;
  type: TransactionType;
  amount: number;
  currency: string;
  originAccount: string;
  originBalanceBefore: number;
  destAccount: string;
  destBalanceBefore: number;
  channel: string | null;
  attributes: Record<string, string>;
}

export interface Reason {
  feature: string;
  value: number;
  contribution: number;
}

export interface ShadowScore {
  modelVersion: string;
  score: number;
  decision: Decision;
}

export interface SourcePosition {
  partition: number;
  offset: number;
  publishedAt: number;
}

export interface ScoredTransaction {
  transaction: Transaction;
  featureSet: string;
  features: number[];
  score: number;
  decision: Decision;
  reviewThreshold: number;
  blockThreshold: number;
  modelVersion: string;
  reasons: Reason[];
  rulesFired: string[];
  shadow: ShadowScore | null;
  scoredAt: number;
  source: SourcePosition | null;
}

export interface Label {
  txId: string;
  isFraud: boolean;
  source: LabelSource;
  labeledAt: number;
  note: string | null;
  typology: string | null;
  author: string | null;
}

export interface ModelUpdate {
  version: string;
  role: ModelRole;
  createdAt: number;
  onnx: Buffer | null;
  uri: string | null;
  sha256: string;
  featureSet: string;
  reviewThreshold: number;
  blockThreshold: number;
  metadataJson: string;
  modelJson: Buffer | null;
}
