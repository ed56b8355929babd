import { z } from 'zod';
import { envBool, envInt, kafkaEnvShape, logEnvShape, parseEnv } from '@fraud/common';
import { DEFAULT_MAX_EVENT_AHEAD_MS } from '@fraud/schemas';

/** The scorer's configuration: parsed once at start-up; a bad value fails naming the variable. */
export const scorerEnvSchema = z.object({
  ...kafkaEnvShape,
  ...logEnvShape,
  SCORER_GROUP_ID: z
    .string()
    .min(1)
    .default('fraud-scorer')
    .describe('Consumer group on `transactions`; every instance of one deployment uses the same.'),
  SCORER_APP_ID: z
    .string()
    .min(1)
    .optional()
    .describe('Prefix of the per-partition transactional ids; unset: the group id. Must stay stable.'),
  SCORER_METRICS_PORT: envInt(0, 65_535).default(9470).describe('Port of Prometheus /metrics and /healthz.'),
  SCORER_METRICS_HOST: z.string().min(1).default('0.0.0.0').describe('Address the metrics server binds.'),
  MODEL_BOOTSTRAP_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('Artifact folder (model.onnx, model.json, metadata.json) served when model-updates has no champion.'),
  SCORER_MAX_BATCH: envInt(1, 100_000)
    .default(5_000)
    .describe('Most records scored in one Kafka transaction (a fetch is split into chunks of this size).'),
  SCORER_MAX_BYTES_PER_PARTITION: envInt(1_024, 64 * 1024 * 1024)
    .default(1024 * 1024)
    .describe('Fetch size cap per partition, in bytes: with SCORER_MAX_BATCH, bounds the work in flight.'),
  SCORER_FETCH_MAX_WAIT_MS: envInt(0, 10_000)
    .default(5)
    .describe('How long a fetch waits for data: the latency floor at low load.'),
  SCORER_FETCH_MIN_BYTES: envInt(1, 64 * 1024 * 1024)
    .default(1)
    .describe(
      'Bytes a fetch waits for (up to SCORER_FETCH_MAX_WAIT_MS) before the broker answers: above 1, records that ' +
        'trickle in are committed in fewer, larger Kafka transactions (less broker work per record, more latency).',
    ),
  SCORER_PARTITIONS_CONCURRENTLY: envInt(1, 64)
    .default(6)
    .describe('Partitions processed at once, each with its own producer and transaction: overlaps commits.'),
  SCORER_EXPLAIN_TOP_K: envInt(1, 10).default(5).describe('TreeSHAP reasons attached to a REVIEW or BLOCK.'),
  SCORER_DEDUPE_WINDOW: envInt(0, 10_000_000)
    .default(100_000)
    .describe(
      'txIds remembered per input partition: a repeat within the window is dead-lettered as ' +
        'DUPLICATE_TX_ID instead of scored twice (about 60 bytes each); 0 turns the check off.',
    ),
  SCORER_DEST_VIEW_WAIT_MS: envInt(0, 60_000)
    .default(2_000)
    .describe(
      'Longest a chunk waits for the global destination view to reach its newest eventTime; ' +
        'after it the chunk is scored anyway and counted as lagging.',
    ),
  SCORER_GC_PRETENURING: z
    .enum(['off', 'on'])
    .default('off')
    .describe(
      "V8's allocation-site pretenuring in `fraud scorer`. off (default): objects that live one transaction " +
        'die young instead of filling the old generation (fewer full GCs, a shorter p99 tail at steady load); ' +
        'on: V8\'s default, which may drain a large backlog faster (docs/scorer.md, "Garbage collection").',
    ),
  SCORER_ENTITY_STATE: z
    .enum(['partitioned', 'global'])
    .default('global')
    .describe(
      'Where the state of non-origin entities (destination, merchant, device...) lives. global: every instance ' +
        'reads all of `transactions` into its own view (lowest latency and CPU on one instance). partitioned: ' +
        'each instance holds the keys of the partitions it owns, fed by the internal entity-events topic, and ' +
        'chunks look their keys up at the owners: work and memory split by instance; set it when running several ' +
        'instances or when the view does not fit in memory (docs/scorer.md, measured there).',
    ),
  SCORER_DEST_VIEW_LOOKBACK_MS: envInt(60_000, 30 * 86_400_000)
    .default(26 * 3_600_000)
    .describe(
      'How far back (record timestamps) the destination view starts reading at start-up: ' +
        'the 24 h windows plus the 25 h retention need 25 h of event time.',
    ),
  SCORER_LABEL_VIEW_WAIT_MS: envInt(0, 60_000)
    .default(2_000)
    .describe(
      'Longest a chunk waits for the label view (models whose feature spec has label features) to read, on ' +
        'every partition of `labels`, a label that arrived at or after its newest eventTime, or the end; after ' +
        'it the chunk is scored anyway and counted as lagging.',
    ),
  SCORER_LABEL_VIEW_LOOKBACK_MS: envInt(60_000, 90 * 86_400_000)
    .default(31 * 86_400_000)
    .describe(
      'How far back (record timestamps) the label view starts reading `labels` when a spec with label features ' +
        'is loaded: at least its longest label window.',
    ),
  SCORER_RESTORE_TIMEOUT_MS: envInt(1_000, 3_600_000)
    .default(300_000)
    .describe("Deadline to rebuild one partition's state from `scored` on assignment (and the view's first read)."),
  SCORER_SNAPSHOT_INTERVAL_MS: envInt(0, 86_400_000)
    .default(600_000)
    .describe(
      "How often each partition task writes its feature state to the compacted snapshot topic (in a chunk's " +
        'Kafka transaction), so a new owner restores from the snapshot and the tail of `scored` after it instead ' +
        'of all of `scored`. Taking one holds the event loop about 8 us per account of the partition (a ' +
        'latency spike for that chunk); 0 turns snapshots off (restores read all of `scored`).',
    ),
  SCORER_SNAPSHOT_MIN_RECORDS: envInt(1, 100_000_000)
    .default(1_000)
    .describe('Payments a partition task scores after its last snapshot before it writes the next one.'),
  SCORER_SESSION_TIMEOUT_MS: envInt(6_000, 300_000)
    .default(10_000)
    .describe('Consumer group session timeout: how long a dead instance keeps its partitions.'),
  SCORER_STARTUP_TIMEOUT_MS: envInt(1_000, 600_000)
    .default(60_000)
    .describe('Deadline to read model-updates and control to their end at start-up.'),
  SCORER_DECIDE_ENABLED: envBool
    .default(true)
    .describe(
      'Serve the decide endpoint (POST /v1/decide): the decision API forwards each payment to the instance that ' +
        'owns its partition and gets the decision at once (docs/scorer.md, "Decisions at the owner"). With ' +
        'partitioned entity state the same server runs anyway for the entity lookups, and decide answers 404.',
    ),
  SCORER_DECIDE_HOST: z.string().min(1).default('127.0.0.1').describe('Address the decide endpoint binds.'),
  SCORER_DECIDE_PORT: envInt(0, 65_535)
    .default(0)
    .describe('Port of the decide endpoint; 0 picks a free one (the URL is advertised in the consumer group).'),
  SCORER_DECIDE_ADVERTISED_HOST: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Host name the decision API reaches this instance by; unset: SCORER_DECIDE_HOST, or the machine's host " +
        "name when that is 0.0.0.0 or :: (a container's name on its network).",
    ),
  SCORER_DECISION_MEMORY: envInt(0, 10_000_000)
    .default(20_000)
    .describe(
      'Decisions remembered per input partition, so a retried txId gets the same answer from the decide endpoint ' +
        '(held as Avro bytes: about 0.6 KB each).',
    ),
  SCORER_FAULT_CRASH_AFTER_DECIDE_WRITE: envBool
    .default(false)
    .describe(
      'Fault injection for tests and chaos runs: the process kills itself (SIGKILL) right after the decide ' +
        'endpoint has written a decision and before it answers. Never set it in production.',
    ),
  SCORER_MAX_EVENT_AHEAD_MS: envInt(60_000, 365 * 86_400_000)
    .default(DEFAULT_MAX_EVENT_AHEAD_MS)
    .describe(
      'How far eventTime may run ahead of the clock before a record is dead-lettered as RECORD_INVALID ' +
        '(clock skew, or a simulator running faster than real time).',
    ),
});
export type ScorerEnv = z.infer<typeof scorerEnvSchema>;

export function parseScorerEnv(env: Record<string, string | undefined> = process.env): ScorerEnv {
  return parseEnv(scorerEnvSchema, env);
}
