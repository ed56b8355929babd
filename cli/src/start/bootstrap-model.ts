import { join } from 'node:path';
import type { KafkaEnv, Logger } from '@fraud/common';
import { createKafka, readToEnd } from '@fraud/kafka';
import {
  builtInFeatureSpecs,
  modelSpecProblem,
  readArtifact,
  trainParams,
  trainPipeline,
  type LabeledRow,
} from '@fraud/model';
import { createWorldSimulator, defaultScenario, type WorldName } from '@fraud/producers';
import { createCodecs, topicNames, type ModelUpdate } from '@fraud/schemas';
import { artifactToUpdate } from '@fraud/scorer';
import { repoRoot } from '@fraud/infra';

/**
 * The bootstrap model of a fresh installation: trained at set-up from the simulator's history
 * (seeded, so every installation starts from the same model), then published as the champion
 * on model-updates, through which every scorer loads it. Runs only when there is no champion.
 */
export async function hasChampion(
  env: KafkaEnv,
  logger: Logger,
  log: (s: string) => void = () => undefined,
): Promise<boolean> {
  const topics = topicNames(env.TOPIC_PREFIX);
  const kafka = createKafka(env, 'fraud-start', logger);
  let latest: Buffer | null = null;
  await readToEnd({
    kafka,
    topic: topics.modelUpdates,
    groupId: `fraud-start-${Date.now().toString(36)}`,
    logger,
    timeoutMs: 30_000,
    onMessages: async (ms) => {
      for (const m of ms) if (m.key?.toString() === 'champion') latest = m.value;
    },
  });
  if (latest === null) return false;
  // A champion whose feature spec this build cannot compute (an fs-v1 installation) cannot be
  // served: the scorer would refuse it, so a fresh bootstrap model replaces it.
  const codecs = await createCodecs({ registryUrl: env.SCHEMA_REGISTRY_URL, topics });
  const champion = await codecs.modelUpdate.decode(latest);
  const meta = JSON.parse(champion.metadataJson) as Record<string, unknown>;
  const problem = modelSpecProblem({ ...meta, version: champion.version, featureSet: champion.featureSet });
  if (problem !== null) {
    log(
      `champion ${champion.version} on model-updates cannot be served (${problem}); training a new bootstrap model ` +
        `to replace it`,
    );
    return false;
  }
  return true;
}

/**
 * The feature spec of a world's bootstrap model: fs-v2 for PaySim (its balances); for the card
 * world the general payments spec when this build ships it, else fs-v2 (its balance features are
 * then NaN, which the trees route as missing).
 */
export function bootstrapSpec(world: WorldName): string {
  return world === 'card' && builtInFeatureSpecs().includes('payments-v1') ? 'payments-v1' : 'fs-v2';
}

/**
 * Trains the bootstrap champion on `rows` transactions of the world `fraud start` runs (PaySim's
 * or the card world, its default scenario and the given seed) and publishes it on model-updates.
 */
export async function bootstrapModel(
  env: KafkaEnv,
  logger: Logger,
  opts: { rows: number; seed: number; log: (s: string) => void; world?: WorldName },
): Promise<ModelUpdate> {
  const world = opts.world ?? 'paysim';
  const rows: LabeledRow[] = [];
  const sim = createWorldSimulator({ seed: opts.seed, scenario: defaultScenario(world) });
  opts.log(`bootstrap model: simulating ${opts.rows.toLocaleString()} ${world}-world transactions (seed ${opts.seed})`);
  for (const ev of sim) {
    // The simulated label arrival: label-derived features (payments-v1) see a label from then on.
    const labeledAt = ev.label?.label.labeledAt ?? null;
    rows.push({ tx: ev.transaction, isFraud: ev.isFraud, typology: ev.typology, labeledAt });
    if (rows.length >= opts.rows) break;
  }
  const spec = bootstrapSpec(world);
  // The feature set and the world are in the name: a bootstrap that replaces a retired one (or
  // another world's) must not reuse its version.
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const version = `bootstrap-${world === 'paysim' ? '' : `${world}-`}${spec}-${day}-s${opts.seed}`;
  // The label-delay gap scales with the simulated span so a small bootstrap still splits in time.
  const span = rows[rows.length - 1]!.tx.eventTime - rows[0]!.tx.eventTime;
  const gapMs = Math.max(10 * 60_000, Math.min(6 * 3_600_000, Math.floor(span / 20)));
  opts.log(
    `bootstrap model: ${(span / 3_600_000).toFixed(1)} simulated hours, ${rows.filter((r) => r.isFraud).length} ` +
      `frauds, feature spec ${spec}, label-delay gap ${(gapMs / 60_000).toFixed(0)} min`,
  );
  let lastAt = 0;
  let lastStage = '';
  const result = await trainPipeline({
    rows,
    spec,
    split: { gapMs, validFraction: 0.2, testFraction: 0.2 },
    params: trainParams({
      rounds: 300,
      earlyStoppingRounds: 30,
      maxDepth: 6,
      eta: 0.1,
      subsample: 0.9,
      colsampleBytree: 0.9,
      nthread: 2,
      seed: opts.seed,
    }),
    // A blocked customer costs more than the toolkit's neutral default, and analysts are a
    // finite team: at most 1% of traffic goes to review. Operators set their own (docs/model.md).
    costs: { reviewCost: 5, blockFrictionCost: 200, missedFraudFactor: 1 },
    maxReviewRate: 0.01,
    maxBlockRate: 0.01,
    outDir: join(repoRoot, 'model-artifacts', version),
    version,
    provenance: { source: 'simulator', world, seed: opts.seed, rows: opts.rows },
    onProgress: (stage, done, total, note) => {
      // One line every 2 s at most, plus each stage's start: readable in logs and on a terminal.
      const now = Date.now();
      if (stage === lastStage && now - lastAt < 2_000 && done !== total) return;
      lastStage = stage;
      lastAt = now;
      opts.log(`bootstrap model: ${stage} ${done}/${total}${note ? ` (${note})` : ''}`);
    },
  });
  const dir = result.dir ?? join(repoRoot, 'model-artifacts', version);
  const update = artifactToUpdate(await readArtifact(dir), dir);
  const topics = topicNames(env.TOPIC_PREFIX);
  const codecs = await createCodecs({ registryUrl: env.SCHEMA_REGISTRY_URL, topics });
  const producer = createKafka(env, 'fraud-start', logger).producer({ idempotent: true });
  await producer.connect();
  try {
    await producer.send({
      topic: topics.modelUpdates,
      acks: -1,
      messages: [{ key: 'champion', value: codecs.modelUpdate.encode(update) }],
    });
  } finally {
    await producer.disconnect();
  }
  const t = result.test ?? result.validation;
  opts.log(
    `bootstrap model ${version} published as champion (held-out AUPRC ${t.auprc.toFixed(3)}, ` +
      `recall ${t.flagged.recall.toFixed(3)}, precision ${t.flagged.precision.toFixed(3)} at REVIEW or above)`,
  );
  return update;
}
