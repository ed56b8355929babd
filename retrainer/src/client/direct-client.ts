import { createLogger, FraudError, type KafkaEnv, type LogEnv } from '@fraud/common';
import { createKafka } from '@fraud/kafka';
import { retrainDue } from '../domain/triggers.ts';
import { DEFAULT_COSTS, FEATURE_NAMES, FEATURE_SET } from '@fraud/model';
import { createCodecs, topicNames } from '@fraud/schemas';
import { kafkaUpdateSink, watchModelUpdates } from '../kafka/model-updates.ts';
import { createPolicyManager } from '../policy/manager.ts';
import { watchPolicyFile } from '../policy/file-watcher.ts';
import { sourceFromUpdate } from '../run/model-source.ts';
import { createModelPublisher } from '../run/publisher.ts';
import { createRegistryOps } from '../run/registry-ops.ts';
import { runRetrain, type RunProgress } from '../run/retrain-run.ts';
import type { RetrainPolicy } from '../policy/schema.ts';
import { openStore, type Store } from '../store/index.ts';
import type { RetrainerClient } from './types.ts';

/**
 * Direct mode: no service running, so the CLI opens the retrainer's DuckDB file itself, reads
 * model-updates to know what is live, and publishes to Kafka. Policy: the file if set, else defaults.
 */
export async function directRetrainerClient(
  env: KafkaEnv &
    LogEnv & { RETRAINER_DB_PATH: string; MODEL_ARTIFACTS_DIR: string; RETRAIN_POLICY_FILE?: string | undefined },
): Promise<RetrainerClient> {
  const logger = createLogger('fraud-cli', env.LOG_LEVEL ?? 'warn');
  const store = await openStore(env.RETRAINER_DB_PATH);
  const topics = topicNames(env.TOPIC_PREFIX);
  const kafka = createKafka(env, 'fraud-cli-models', logger);
  let ready: Promise<{
    models: ReturnType<typeof watchModelUpdates>;
    producer: ReturnType<typeof kafka.producer>;
    codecs: Awaited<ReturnType<typeof createCodecs>>;
  }> | null = null;
  const kafkaSide = () =>
    (ready ??= (async () => {
      const codecs = await createCodecs({ registryUrl: env.SCHEMA_REGISTRY_URL, topics });
      const models = watchModelUpdates({ kafka, codecs, topics, logger, groupPrefix: 'fraud-cli-models' });
      await models.start();
      await models.caughtUp();
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      return { models, producer, codecs };
    })());
  const opsFor = async () => {
    const k = await kafkaSide();
    const publisher = createModelPublisher({
      sink: kafkaUpdateSink({ producer: k.producer, codecs: k.codecs, topics }),
      registry: store.registry,
    });
    const ops = createRegistryOps({
      registry: store.registry,
      artifactsDir: env.MODEL_ARTIFACTS_DIR,
      publisher,
      live: () => ({ champion: k.models.champion()?.version ?? null, shadow: k.models.shadow()?.version ?? null }),
    });
    return { k, publisher, ops };
  };
  const policy = async () => {
    const manager = createPolicyManager({ registry: store.registry, logger });
    if (env.RETRAIN_POLICY_FILE) await watchPolicyFile({ path: env.RETRAIN_POLICY_FILE, manager, logger }).load();
    return manager.current();
  };
  return {
    mode: 'direct',
    list: async () => (await opsFor()).ops.list(),
    show: async (v) => (await opsFor()).ops.show(v),
    promote: async (v, o) => {
      const u = await (await opsFor()).ops.promote(v, o);
      return { version: u.version, role: u.role, sha256: u.sha256 };
    },
    rollback: async (o) => {
      const u = await (await opsFor()).ops.rollback(o);
      return { version: u.version, role: u.role, sha256: u.sha256 };
    },
    retrain: async (o) => {
      const { k, publisher } = await opsFor();
      const p = await policy();
      const trigger = o.force ? 'manual' : await dueTrigger(store, p);
      const champion = k.models.champion();
      const src = champion ? sourceFromUpdate(champion) : null;
      return runRetrain(
        {
          store,
          artifactsDir: env.MODEL_ARTIFACTS_DIR,
          publisher,
          champion: () => src,
          featureSet: FEATURE_SET,
          featureNames: FEATURE_NAMES,
          costs: DEFAULT_COSTS,
          logger,
          onProgress: (pr) => o.onProgress?.(progressLine(pr)),
        },
        p,
        { trigger, actor: o.actor },
      );
    },
    policy,
    saveBacktest: (b) => store.registry.saveBacktest(b),
    backtests: () => store.registry.backtests(),
    async close() {
      if (ready) {
        const k = await ready;
        await k.models.stop();
        await k.producer.disconnect();
      }
      store.db.close();
    },
  };
}

/** The trigger of a due run (labels only: direct mode has no drift measurements); refuses when none is due. */
async function dueTrigger(store: Store, policy: RetrainPolicy): Promise<string> {
  const last = await store.registry.lastRun();
  const fresh = await store.training.newLabelsSince(last?.joinSeq ?? 0);
  const d = retrainDue(policy, {
    now: Date.now(),
    lastRunAt: last?.startedAt ?? null,
    newLabels: fresh.labels,
    newFrauds: fresh.frauds,
    psi: {},
    live: null,
  });
  if (!d.due) throw new FraudError('BAD_REQUEST', `no retraining due: ${d.why}. Use --force to run anyway.`);
  return d.trigger;
}

function progressLine(pr: RunProgress): string {
  if (pr.stage !== 'training') return pr.stage;
  const metric = pr.validMetric === undefined ? '' : ` valid aucpr ${pr.validMetric.toFixed(4)}`;
  return `training round ${pr.round ?? 0}/${pr.rounds ?? '?'}${metric}`;
}
