/** Topic names (DESIGN.md), with an optional prefix so tests and tenants can share a broker. */
export interface Topics {
  transactions: string;
  scored: string;
  labels: string;
  modelUpdates: string;
  dlq: string;
  schemas: string;
  /** Compacted, JSON: live policies (see control.ts). */
  control: string;
  /** Compacted, gzipped JSON: the scorer's per-partition state snapshots (scorer/src/state-snapshot.ts). */
  stateSnapshots: string;
  /**
   * Internal: each valid payment's copy per entity field its feature specs read, keyed and
   * partitioned by that entity's key, plus progress markers (scorer/src/entity/).
   */
  entityEvents: string;
}

export function topicNames(prefix = ''): Topics {
  return {
    transactions: `${prefix}transactions`,
    scored: `${prefix}scored`,
    labels: `${prefix}labels`,
    modelUpdates: `${prefix}model-updates`,
    dlq: `${prefix}transactions.dlq`,
    schemas: `${prefix}_schemas`,
    control: `${prefix}control`,
    stateSnapshots: `${prefix}scorer-state`,
    entityEvents: `${prefix}entity-events`,
  };
}

/** Subjects under the default TopicNameStrategy: `<topic>-value`. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
