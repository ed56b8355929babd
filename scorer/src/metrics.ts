import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { coordinatorLookups } from '@fraud/kafka';
import type { FeatureViews } from '@fraud/model';
import type { SpecStates } from './ports.ts';
import { estimateStateBytesSliced, type StateBytes } from './state-bytes.ts';

/**
 * The scorer's metrics. Metric names are a contract with the Grafana boards (sinks/): do not
 * rename them (some say "batch" or "tx" where the code now says chunk or payment). Registered on
 * the service's own registry by the factory, never at import time.
 */
export interface ScorerMetrics
  extends ChunkMetrics, PartitionMetrics, ModelMetrics, ViewMetrics, SyncMetrics, StateMetrics {
  /** The label view's consumer and barrier (specs with label features), same shape as the destination view's. */
  labelView: ViewMetrics;
  /** Partitioned entity state (SCORER_ENTITY_STATE=partitioned): copies written, lookups. */
  entity: EntityMetrics;
}

export interface EntityMetrics {
  /** Copies of payments written to entity-events (markers not counted). */
  copiesWritten: Counter;
  /** Seconds a chunk's copies and markers took to be acknowledged. */
  writeSeconds: Histogram;
  /** Keys looked up, by where: local (this instance owns them), remote (asked over HTTP), served (answered here). */
  lookupKeys: Counter<'where'>;
  /** Lookups of one entity partition for one chunk, by outcome (ready, lagging, not_owner, not_ready, failed). */
  lookups: Counter<'outcome'>;
  /** Seconds a chunk spent gathering its entity keys (barrier waits and round trips included). */
  gatherSeconds: Histogram;
  /** Seconds a chunk waited for its entity lookups and label barrier together. */
  chunkWaitSeconds: Histogram;
  /** Chunks (or synchronous groups) scored with some entity partition unable to promise every event before t. */
  laggingChunks: Counter<'path'>;
}

/** What each committed chunk adds. */
export interface ChunkMetrics {
  consumed: Counter;
  scored: Counter;
  deadLettered: Counter<'reason'>;
  decisions: Counter<'decision' | 'type'>;
  chunkSize: Histogram;
  chunkSeconds: Histogram;
  paymentSeconds: Histogram;
  endToEndSeconds: Histogram;
  /**
   * Seconds each committed record spent in each stage, summed over records (divide by
   * fraud_scorer_consumed_total for the mean): fetch (publish to chunk start), decode, view_wait,
   * score, commit. The latency breakdown of bench pipeline.
   */
  stageSeconds: Counter<'stage'>;
}

/** The synchronous path (decisions at the partition owner). */
export interface SyncMetrics {
  syncDecisions: Counter<'outcome'>;
  syncSeconds: Histogram;
  syncGroupSize: Histogram;
  /** How far the destination view was behind the end of `transactions` when a group was decided. */
  syncViewLag: Histogram;
  /** Decisions taken with a destination view further behind than SCORER_DEST_VIEW_WAIT_MS. */
  syncStaleView: Counter;
}

/** Partition tasks: lag, restores, failed Kafka transactions. */
export interface PartitionMetrics {
  consumerLag: Gauge<'partition'>;
  restoredRecords: Counter;
  aborted: Counter<'reason'>;
  /** State snapshots by outcome: written, skipped (a synchronous decision in flight), too_large, restored. */
  snapshots: Counter<'outcome'>;
  snapshotBytes: Histogram;
  snapshotSeconds: Histogram<'step'>;
}

export interface ModelMetrics {
  modelInfo: Gauge<'version' | 'role'>;
  modelRejected: Counter;
}

/** The global destination view's consumer and barrier. */
export interface ViewMetrics {
  viewRecords: Counter;
  /** fraud_scorer_records_decoded_total of this view's source (view, label_view). */
  viewDecoded: { inc(value?: number): void };
  viewSkipped: Counter;
  viewWaitSeconds: Histogram;
  viewLagging: Counter;
  viewSize: Gauge<'kind'>;
}

/** What one instance decodes and holds (bench scale: the cost of each instance of a group). */
export interface StateMetrics {
  /** Records decoded, by source: input (partition tasks' chunks), view, label_view, restore. */
  recordsDecoded: Counter<'source'>;
  /** The partition tasks' feature states, measured into fraud_scorer_state_bytes on scrape. */
  states: StateTracker;
}

/** The SpecStates of the open partition tasks, by partition. */
export interface StateTracker {
  /** Views held outside the tasks' states (the entity owners'), counted in the view bytes. */
  viewsFrom(source: () => Iterable<FeatureViews>): void;
  track(partition: number, states: SpecStates): void;
  /** Forgets the partition's states if they are still `states` (a newer task's stay). */
  untrack(partition: number, states: SpecStates): void;
}

export function createScorerMetrics(registry: Registry): ScorerMetrics {
  const registers = [registry];
  const state = stateMetrics(registers);
  coordinatorMetrics(registers);
  return {
    ...chunkMetrics(registers),
    ...partitionMetrics(registers),
    ...modelMetrics(registers),
    ...viewMetrics(registers, state.recordsDecoded.labels({ source: 'view' })),
    ...syncMetrics(registers),
    ...state,
    labelView: labelViewMetrics(registers, state.recordsDecoded.labels({ source: 'label_view' })),
    entity: entityMetrics(registers),
  };
}

/**
 * This process's Kafka coordinator lookups (kafka/src/coordinators.ts): sent to a broker, or
 * answered from memory. A steady rate of `sent` means coordinators keep moving or failing.
 */
function coordinatorMetrics(registers: Registry[]): void {
  const seen = { sent: 0, remembered: 0 };
  new Counter({
    name: 'fraud_scorer_kafka_coordinator_lookups_total',
    help: 'Kafka coordinator lookups of this process by answer: sent (FindCoordinator to a broker) or remembered',
    labelNames: ['answer'],
    registers,
    collect() {
      const now = coordinatorLookups();
      for (const answer of ['sent', 'remembered'] as const) {
        this.inc({ answer }, now[answer] - seen[answer]);
        seen[answer] = now[answer];
      }
    },
  });
}

function entityMetrics(registers: Registry[]): EntityMetrics {
  const lookupKeys = new Counter({
    name: 'fraud_scorer_entity_lookup_keys_total',
    help: 'Entity keys looked up, by where: local (owned here), remote (asked over HTTP), served (answered here)',
    labelNames: ['where'],
    registers,
  });
  for (const where of ['local', 'remote', 'served']) lookupKeys.inc({ where }, 0);
  const lookups = new Counter({
    name: 'fraud_scorer_entity_lookups_total',
    help: 'Lookups of one entity partition for one chunk, by outcome (ready, lagging, not_owner, not_ready, failed)',
    labelNames: ['outcome'],
    registers,
  });
  for (const outcome of ['ready', 'lagging']) lookups.inc({ outcome }, 0);
  return {
    copiesWritten: new Counter({
      name: 'fraud_scorer_entity_copies_written_total',
      help: 'Copies of payments written to entity-events, one per entity field the specs read',
      registers,
    }),
    writeSeconds: new Histogram({
      name: 'fraud_scorer_entity_write_seconds',
      help: "Seconds until a chunk's entity copies and markers were acknowledged",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    lookupKeys,
    lookups,
    chunkWaitSeconds: new Histogram({
      name: 'fraud_scorer_entity_chunk_wait_seconds',
      help: "Seconds a chunk waited for its entity lookups (owners' barriers included) and its label barrier",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
      registers,
    }),
    laggingChunks: new Counter({
      name: 'fraud_scorer_entity_lagging_total',
      help:
        'Chunks (path=chunk) and synchronous groups (path=sync) scored while some entity owner could not promise ' +
        'every event before the newest eventTime (entity features may miss recent events)',
      labelNames: ['path'],
      registers,
    }),
    gatherSeconds: new Histogram({
      name: 'fraud_scorer_entity_gather_seconds',
      help: 'Seconds a chunk spent gathering its entity keys from their owners (barrier waits included)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
      registers,
    }),
  };
}

/**
 * Walking the states costs ~50 ms per 240k keys on a busy core: at most once a second, whatever the
 * scrape rate, and in slices (estimateStateBytesSliced) so that a scrape never holds the scoring loop.
 */
const STATE_BYTES_EVERY_MS = 1_000;

function stateMetrics(registers: Registry[]): StateMetrics {
  const tracked = new Map<number, SpecStates>();
  const extra: Array<() => Iterable<FeatureViews>> = [];
  let last: { at: number; bytes: StateBytes } | undefined;
  let walking: Promise<{ at: number; bytes: StateBytes }> | undefined;
  const recordsDecoded = new Counter({
    name: 'fraud_scorer_records_decoded_total',
    help:
      'Records decoded by this instance, by source (input: partition tasks, view, label_view, restore, ' +
      'repartition, entity)',
    labelNames: ['source'],
    registers,
  });
  for (const source of ['input', 'view', 'label_view', 'restore', 'repartition', 'entity'])
    recordsDecoded.inc({ source }, 0);
  new Gauge({
    name: 'fraud_scorer_state_bytes',
    help:
      'Estimated heap bytes of feature state (origin: partition tasks, view: entity views, labels), from the ' +
      'structures (scorer/src/state-bytes.ts)',
    labelNames: ['kind'],
    registers,
    async collect() {
      const now = Date.now();
      if (last === undefined || now - last.at >= STATE_BYTES_EVERY_MS) {
        // Concurrent scrapes share one walk.
        walking ??= estimateStateBytesSliced(
          tracked.values(),
          extra.flatMap((f) => [...f()]),
        )
          .then((bytes) => ({ at: now, bytes }))
          .finally(() => (walking = undefined));
        last = await walking;
      }
      for (const [kind, bytes] of Object.entries(last.bytes)) this.set({ kind }, bytes);
    },
  });
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    new Gauge({
      name: 'fraud_scorer_heap_used_after_gc_bytes',
      help:
        'heapUsed right after a forced full GC on scrape (only with node --expose-gc: a cross-check of ' +
        'state bytes)',
      registers,
      collect() {
        gc();
        this.set(process.memoryUsage().heapUsed);
      },
    });
  }
  return {
    recordsDecoded,
    states: {
      viewsFrom: (source) => void extra.push(source),
      track: (partition, states) => void tracked.set(partition, states),
      untrack(partition, states) {
        if (tracked.get(partition) === states) tracked.delete(partition);
      },
    },
  };
}

function chunkMetrics(registers: Registry[]): ChunkMetrics {
  return {
    consumed: new Counter({
      name: 'fraud_scorer_consumed_total',
      help: 'Records consumed from the transactions topic (committed)',
      registers,
    }),
    scored: new Counter({
      name: 'fraud_scorer_scored_total',
      help: 'ScoredTransaction records committed to the scored topic',
      registers,
    }),
    deadLettered: new Counter({
      name: 'fraud_scorer_dead_lettered_total',
      help: 'Records committed to the DLQ, by code (label `reason`)',
      labelNames: ['reason'],
      registers,
    }),
    decisions: new Counter({
      name: 'fraud_scorer_decisions_total',
      help: 'Committed decisions by outcome and payment type',
      labelNames: ['decision', 'type'],
      registers,
    }),
    chunkSize: new Histogram({
      name: 'fraud_scorer_batch_size',
      help: 'Records per chunk (one Kafka transaction)',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers,
    }),
    chunkSeconds: new Histogram({
      name: 'fraud_scorer_batch_seconds',
      help: 'Time to score and commit one chunk',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    paymentSeconds: new Histogram({
      name: 'fraud_scorer_tx_seconds',
      help: 'Chunk time divided by chunk size (seconds per payment)',
      buckets: [1e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3],
      registers,
    }),
    endToEndSeconds: new Histogram({
      name: 'fraud_scorer_end_to_end_seconds',
      help: 'Kafka publish timestamp of the input to the commit of its decision',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    stageSeconds: new Counter({
      name: 'fraud_scorer_stage_record_seconds_total',
      help: 'Seconds committed records spent per stage (fetch, decode, view_wait, score, commit), summed over records',
      labelNames: ['stage'],
      registers,
    }),
  };
}

function syncMetrics(registers: Registry[]): SyncMetrics {
  return {
    syncDecisions: new Counter({
      name: 'fraud_scorer_sync_decisions_total',
      help: 'Decide-endpoint requests by outcome (decided, replayed, not-owner, not-ready, invalid, write_failed...)',
      labelNames: ['outcome'],
      registers,
    }),
    syncSeconds: new Histogram({
      name: 'fraud_scorer_sync_seconds',
      help: 'Time of one group commit of the decide endpoint: score, write (acks=all)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    syncGroupSize: new Histogram({
      name: 'fraud_scorer_sync_group_size',
      help: 'Payments decided per group commit of the decide endpoint',
      buckets: [1, 2, 5, 10, 20, 50, 100, 250, 500],
      registers,
    }),
    syncViewLag: new Histogram({
      name: 'fraud_scorer_sync_view_lag_seconds',
      help: 'How far the destination view was behind the end of transactions when a decide group was scored',
      buckets: [0, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    syncStaleView: new Counter({
      name: 'fraud_scorer_sync_stale_view_total',
      help: 'Synchronous decisions taken with a destination view staler than SCORER_DEST_VIEW_WAIT_MS',
      registers,
    }),
  };
}

function partitionMetrics(registers: Registry[]): PartitionMetrics {
  return {
    consumerLag: new Gauge({
      name: 'fraud_scorer_consumer_lag',
      help: 'Records behind the high watermark, per input partition',
      labelNames: ['partition'],
      registers,
    }),
    restoredRecords: new Counter({
      name: 'fraud_scorer_state_restored_total',
      help: 'Scored records replayed to rebuild per-account feature state',
      registers,
    }),
    aborted: new Counter({
      name: 'fraud_scorer_transactions_aborted_total',
      help: 'Kafka transactions aborted, by cause',
      labelNames: ['reason'],
      registers,
    }),
    snapshots: new Counter({
      name: 'fraud_scorer_state_snapshots_total',
      help: 'Partition state snapshots: written, skipped_sync_in_flight, too_large; restored (a restore used one)',
      labelNames: ['outcome'],
      registers,
    }),
    snapshotBytes: new Histogram({
      name: 'fraud_scorer_state_snapshot_bytes',
      help: 'Compressed size of a written partition state snapshot',
      buckets: [1e3, 1e4, 1e5, 1e6, 4e6, 16e6],
      registers,
    }),
    snapshotSeconds: new Histogram({
      name: 'fraud_scorer_state_snapshot_seconds',
      help: 'Time to encode (serialise and compress) a snapshot, or to read and decode one on restore',
      labelNames: ['step'],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
      registers,
    }),
  };
}

function modelMetrics(registers: Registry[]): ModelMetrics {
  return {
    modelInfo: new Gauge({
      name: 'fraud_scorer_model_info',
      help: 'The model serving in each role (value 1)',
      labelNames: ['version', 'role'],
      registers,
    }),
    modelRejected: new Counter({
      name: 'fraud_scorer_model_rejected_total',
      help: 'Model updates refused (checksum, feature set, load or smoke test failed)',
      registers,
    }),
  };
}

function viewMetrics(registers: Registry[], viewDecoded: ViewMetrics['viewDecoded']): ViewMetrics {
  return {
    viewDecoded,
    viewRecords: new Counter({
      name: 'fraud_scorer_dest_view_records_total',
      help: "Payments added to the global destination view by its own consumer (not counting the scorer's own chunks)",
      registers,
    }),
    viewSkipped: new Counter({
      name: 'fraud_scorer_dest_view_skipped_total',
      help: 'Records the destination view skipped (undecodable or invalid; the scorer dead-letters them)',
      registers,
    }),
    viewWaitSeconds: new Histogram({
      name: 'fraud_scorer_dest_view_wait_seconds',
      help:
        'Time a chunk waited for the destination view to read every partition up to its newest eventTime ' +
        '(chunks that did not wait are not observed)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    viewLagging: new Counter({
      name: 'fraud_scorer_dest_view_lagging_batches_total',
      help:
        'Chunks scored after SCORER_DEST_VIEW_WAIT_MS with the destination view still behind (destination ' +
        'features may miss recent inbounds)',
      registers,
    }),
    viewSize: new Gauge({
      name: 'fraud_scorer_dest_view_size',
      help: 'Destinations and inbound events held by the destination view',
      labelNames: ['kind'],
      registers,
    }),
  };
}

function labelViewMetrics(registers: Registry[], viewDecoded: ViewMetrics['viewDecoded']): ViewMetrics {
  return {
    viewDecoded,
    viewRecords: new Counter({
      name: 'fraud_scorer_label_view_records_total',
      help: 'Labels added to the label view of a spec with label features (by its own consumer of `labels`)',
      registers,
    }),
    viewSkipped: new Counter({
      name: 'fraud_scorer_label_view_skipped_total',
      help: 'Label records the label view skipped (undecodable or invalid)',
      registers,
    }),
    viewWaitSeconds: new Histogram({
      name: 'fraud_scorer_label_view_wait_seconds',
      help:
        'Time a chunk waited for the label view to read, on every partition of `labels`, a label that arrived at ' +
        'or after its newest eventTime or the end (chunks that did not wait are not observed)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    viewLagging: new Counter({
      name: 'fraud_scorer_label_view_lagging_batches_total',
      help:
        'Chunks scored after SCORER_LABEL_VIEW_WAIT_MS with the label view still behind (label features may miss ' +
        'labels that had arrived)',
      registers,
    }),
    viewSize: new Gauge({
      name: 'fraud_scorer_label_view_size',
      help: 'What the label views hold, by kind',
      labelNames: ['kind'],
      registers,
    }),
  };
}
