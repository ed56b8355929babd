import type { Label, ModelUpdate, ScoredTransaction } from '@fraud/schemas';
import { scoredColumns } from '../scored-columns.ts';
import type { Row } from './columns.ts';

/** Flattens a scored record into the `scored` row; `at` is where it was read from `scored`. */
export function scoredRow(s: ScoredTransaction, at: { partition: number; offset: number }): Row {
  return {
    ...scoredColumns(s),
    attributes: JSON.stringify(s.transaction.attributes ?? {}),
    features: s.features,
    reasons: JSON.stringify(s.reasons),
    sourcePartition: s.source?.partition ?? null,
    sourceOffset: s.source?.offset ?? null,
    publishedAt: s.source?.publishedAt ?? null,
    kafkaPartition: at.partition,
    kafkaOffset: at.offset,
  };
}

export function labelRow(l: Label): Row {
  return {
    txId: l.txId,
    isFraud: l.isFraud,
    source: l.source,
    labeledAt: l.labeledAt,
    note: l.note,
    typology: l.typology,
    author: l.author,
  };
}

/** Model versions keep their metadata, not their bytes (those live in model-updates / the URI). */
export function modelVersionRow(m: ModelUpdate): Row {
  return {
    version: m.version,
    role: m.role,
    createdAt: m.createdAt,
    featureSet: m.featureSet,
    reviewThreshold: m.reviewThreshold,
    blockThreshold: m.blockThreshold,
    sha256: m.sha256,
    uri: m.uri,
    metadata: validJson(m.metadataJson),
  };
}

function validJson(s: string): string {
  try {
    JSON.parse(s);
    return s;
  } catch {
    return JSON.stringify({ raw: s }); // keep unparseable metadata, but as valid JSON for the column type
  }
}
