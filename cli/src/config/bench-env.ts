import { z } from 'zod';
import { envInt, kafkaEnvShape, logEnvShape, parseEnv } from '@fraud/common';
import { scorerEnvSchema } from '@fraud/scorer/env';

const positive = z.coerce.number().positive();

/**
 * The benchmarks' knobs (bench/*.ts, run by `fraud bench NAME`). The scorer benchmarks also pass
 * the scorer's fetch and chunk settings below to the scorer under test.
 */
export const benchEnvSchema = z.object({
  ...kafkaEnvShape,
  ...logEnvShape,
  SCORER_MAX_BATCH: scorerEnvSchema.shape.SCORER_MAX_BATCH,
  SCORER_PARTITIONS_CONCURRENTLY: scorerEnvSchema.shape.SCORER_PARTITIONS_CONCURRENTLY,
  SCORER_FETCH_MAX_WAIT_MS: scorerEnvSchema.shape.SCORER_FETCH_MAX_WAIT_MS,
  SCORER_FETCH_MIN_BYTES: scorerEnvSchema.shape.SCORER_FETCH_MIN_BYTES,
  SCORER_MAX_BYTES_PER_PARTITION: scorerEnvSchema.shape.SCORER_MAX_BYTES_PER_PARTITION,
  BENCH_SECONDS: positive.default(20).describe('api: seconds measured after the warm-up.'),
  BENCH_API_FETCH_MIN_BYTES: scorerEnvSchema.shape.SCORER_FETCH_MIN_BYTES.unwrap()
    .default(65_536)
    .describe("api: the scorer's SCORER_FETCH_MIN_BYTES (the decide-endpoint profile, docs/scorer.md)."),
  BENCH_API_FETCH_MAX_WAIT_MS: scorerEnvSchema.shape.SCORER_FETCH_MAX_WAIT_MS.unwrap()
    .default(50)
    .describe("api: the scorer's SCORER_FETCH_MAX_WAIT_MS (the decide-endpoint profile)."),
  BENCH_PIPELINE_TX: envInt(1, 100_000_000).default(200_000).describe('pipeline: transactions of the throughput run.'),
  BENCH_PIPELINE_RATE: positive.default(2_000).describe('pipeline: publish rate of the latency run, in tx/s.'),
  BENCH_PIPELINE_SECONDS: positive.default(20).describe('pipeline: length of the latency run, in seconds.'),
  BENCH_PIPELINE_OUT: z
    .string()
    .min(1)
    .default('pipeline.json')
    .describe('pipeline: name of the result file under bench/results/.'),
  BENCH_SCORER_NODE_ARGS: z
    .string()
    .default('')
    .describe(
      'Node flags for the scorer under test alone, space-separated, to diagnose a run (e.g. --trace-gc, ' +
        '--cpu-prof --cpu-prof-dir=DIR).',
    ),
  BENCH_SCORER_STDOUT: z
    .string()
    .min(1)
    .optional()
    .describe("A file the scorer under test's standard output is appended to (e.g. --trace-gc lines); unset: dropped."),
  BENCH_SATURATION_RATES: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'comma-separated whole rates, e.g. 100,200,400')
    .default('100,200,400,800,1600,3200,6400,12800')
    .describe('saturation: the offered rates stepped through, in tx/s.'),
  BENCH_SATURATION_STEP_S: positive.default(15).describe('saturation: seconds at each rate.'),
  BENCH_SATURATION_TREES: envInt(1, 10_000).default(100).describe('saturation: trees of the model scored.'),
  BENCH_SATURATION_BUDGET_S: positive
    .default(270)
    .describe('saturation: time budget of the whole run; no new step starts after it.'),
  BENCH_MODEL_ROWS: envInt(1, 100_000_000).default(1_000_000).describe('model: training rows.'),
  BENCH_MODEL_ROUNDS: envInt(1, 100_000).default(300).describe('model: boosting rounds.'),
  BENCH_MODEL_MAX_BIN: envInt(2, 65_536).optional().describe("model: XGBoost max_bin; unset: XGBoost's default."),
  BENCH_PRODUCER_COUNT: envInt(1, 100_000_000).default(300_000).describe('producer: transactions published.'),
  BENCH_PRODUCER_BATCH: envInt(1, 1_000_000).default(10_000).describe('producer: messages per produce request.'),
  BENCH_PRODUCER_IN_FLIGHT: envInt(1, 64).default(2).describe('producer: produce requests in flight.'),
  BENCH_ADAPTATION_MISSED_FRAUD_WEIGHT: positive
    .default(1)
    .describe("adaptation: the retrain policy's missedFraudWeight."),
  ADAPT_APPEARS_HOURS: positive
    .default(12)
    .describe('adaptation: simulated hours before the new fraud typology (mule fan-in) appears.'),
  ADAPT_MAX_HOURS: positive.default(30).describe('adaptation: simulated hours the run lasts at most.'),
  ADAPT_KEY: z
    .enum(['origin', 'dest'])
    .default('origin')
    .describe('adaptation: key transactions by origin account (origin, as the producers do) or destination (dest).'),
  ADAPT_NEW_RATE: positive
    .default(0.002)
    .describe('adaptation: share of transactions of the new typology once it appears.'),
  ADAPT_SEED: z.string().min(1).default('adapt-1').describe('adaptation: simulator seed (same seed, same run).'),
  ADAPT_PARTITIONS: envInt(1, 64).default(3).describe('adaptation: partitions of the topics.'),
  ADAPT_WORLD: z
    .enum(['paysim', 'card'])
    .default('paysim')
    .describe(
      'adaptation: simulated world: paysim (mule fan-in appears) or card (card testing appears; ' +
        'bench/results/adaptation-card.json).',
    ),
});
export type BenchEnv = z.infer<typeof benchEnvSchema>;

export function parseBenchEnv(env: Record<string, string | undefined> = process.env): BenchEnv {
  return parseEnv(benchEnvSchema, env);
}
