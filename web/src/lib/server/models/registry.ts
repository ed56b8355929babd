import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaMessage } from '@fraud/kafka';
import { FraudError } from '@fraud/common';
import type { Codecs, ModelUpdate } from '@fraud/schemas';
import { num, optStr, str, type Database } from '../db/database.ts';
import type { AuditLog } from '../db/audit.ts';
import type { Publisher } from '../kafka/publisher.ts';
import type { ModelView } from '../../model-view.ts';
import { modelViewFromMetadata } from './metadata.ts';

/**
 * The model registry as the console sees it: every ModelUpdate read from `model-updates` (kept in
 * the console database, because compaction leaves only the latest record per model name on the
 * topic) plus versions found in the local artifacts folder. The champion is the version of the
 * latest CHAMPION update.
 */
export interface ModelRegistryDeps {
  db: Database;
  codecs: Codecs;
  publisher: Publisher;
  audit: AuditLog;
  artifactsDir: string;
  modelName: string;
  now?: () => number;
}

type Deps = ModelRegistryDeps & { now: () => number };

export function createModelRegistry(deps: ModelRegistryDeps) {
  const d: Deps = { ...deps, now: deps.now ?? Date.now };
  return {
    /** Handler for the model-updates topic tail. */
    async onMessage(message: KafkaMessage): Promise<void> {
      if (!message.value) return;
      const update = await d.codecs.modelUpdate.decode(message.value);
      await upsert(d, update, message.key?.toString() ?? d.modelName, message.value.toString('base64'));
    },
    /** Registers versions found under artifactsDir/<version>/metadata.json that Kafka has not told us about. */
    scanArtifacts: (): Promise<number> => scanArtifacts(d),
    champion: (): Promise<string | null> => championOf(d.db),
    list: (): Promise<ModelView[]> => listModels(d),
    /** Champion changes, newest first. */
    history: (limit = 50): Promise<{ at: number; version: string; role: string }[]> => historyOf(d.db, limit),
    /** Publishes a CHAMPION ModelUpdate for `version` (promote, or roll back to an older one). */
    promote: (version: string, actor: string, action: 'model.promote' | 'model.rollback'): Promise<ModelUpdate> =>
      promote(d, { version, actor, action }),
  };
}

/** Keeps the update; one read from the topic (recordB64 set) is also a line of the champion history. */
async function upsert(d: Deps, update: ModelUpdate, modelName: string, recordB64: string | null): Promise<void> {
  await d.db.transaction(async (tx) => {
    const existing = await tx.one('SELECT record_b64 FROM model_versions WHERE version = $v', { v: update.version });
    const b64 = recordB64 ?? (existing ? optStr(existing, 'record_b64') : null);
    await tx.run('DELETE FROM model_versions WHERE version = $v', { v: update.version });
    await tx.run('INSERT INTO model_versions VALUES ($v, $name, $role, $created, $seen, $meta, $rec)', {
      v: update.version,
      name: modelName,
      role: update.role,
      created: update.createdAt,
      seen: d.now(),
      meta: update.metadataJson,
      rec: b64,
    });
    if (recordB64 !== null)
      await tx.run('INSERT INTO champion_history VALUES ($at, $name, $v, $role)', {
        at: update.createdAt,
        name: modelName,
        v: update.version,
        role: update.role,
      });
  });
}

async function scanArtifacts(d: Deps): Promise<number> {
  if (!existsSync(d.artifactsDir)) return 0;
  let added = 0;
  for (const entry of readdirSync(d.artifactsDir, { withFileTypes: true })) {
    const metaPath = join(d.artifactsDir, entry.name, 'metadata.json');
    if (!entry.isDirectory() || !existsSync(metaPath)) continue;
    const known = await d.db.one('SELECT version FROM model_versions WHERE version = $v', { v: entry.name });
    if (known) continue;
    const metadataJson = readFileSync(metaPath, 'utf8');
    const meta = JSON.parse(metadataJson) as Record<string, unknown>;
    const createdAt =
      typeof meta.createdAt === 'number' ? meta.createdAt : Date.parse(String(meta.createdAt ?? '')) || 0;
    await d.db.run('INSERT INTO model_versions VALUES ($v, $name, $role, $created, $seen, $meta, NULL)', {
      v: entry.name,
      name: d.modelName,
      role: 'CANDIDATE',
      created: createdAt,
      seen: d.now(),
      meta: metadataJson,
    });
    added++;
  }
  return added;
}

async function championOf(db: Database): Promise<string | null> {
  const row = await db.one("SELECT version FROM champion_history WHERE role = 'CHAMPION' ORDER BY ts DESC LIMIT 1");
  return row ? str(row, 'version') : null;
}

/** Versions whose latest history line is SHADOW. */
async function shadowsOf(db: Database): Promise<Set<string>> {
  const rows = await db.all(
    `SELECT version FROM (
       SELECT version, role, row_number() OVER (PARTITION BY version ORDER BY ts DESC) AS rn FROM champion_history
     ) WHERE rn = 1 AND role = 'SHADOW'`,
  );
  return new Set(rows.map((r) => str(r, 'version')));
}

async function listModels(d: Deps): Promise<ModelView[]> {
  const champion = await championOf(d.db);
  const shadows = await shadowsOf(d.db);
  const rows = await d.db.all(
    'SELECT version, role, created_at, metadata_json, record_b64 IS NOT NULL AS on_topic ' +
      'FROM model_versions ORDER BY created_at DESC',
  );
  return rows.map((r) => {
    const version = str(r, 'version');
    const onTopic = r.on_topic === true;
    const role =
      version === champion ? 'CHAMPION' : shadows.has(version) ? 'SHADOW' : onTopic ? 'RETIRED' : 'CANDIDATE';
    let meta: Record<string, unknown> = {};
    try {
      meta = JSON.parse(str(r, 'metadata_json')) as Record<string, unknown>;
    } catch {
      meta = {};
    }
    const promotable = onTopic || existsSync(join(d.artifactsDir, version, 'model.onnx'));
    return modelViewFromMetadata(meta, {
      version,
      role,
      createdAt: num(r, 'created_at'),
      sources: [onTopic ? 'model-updates' : 'artifacts'],
      promotable,
    });
  });
}

async function historyOf(db: Database, limit: number): Promise<{ at: number; version: string; role: string }[]> {
  const rows = await db.all('SELECT ts, version, role FROM champion_history ORDER BY ts DESC LIMIT $l', {
    l: limit,
  });
  return rows.map((r) => ({ at: num(r, 'ts'), version: str(r, 'version'), role: str(r, 'role') }));
}

async function promote(
  d: Deps,
  q: { version: string; actor: string; action: 'model.promote' | 'model.rollback' },
): Promise<ModelUpdate> {
  const { version } = q;
  const row = await d.db.one('SELECT model_name, metadata_json, record_b64 FROM model_versions WHERE version = $v', {
    v: version,
  });
  if (!row) throw new FraudError('NOT_FOUND', `unknown model version ${version}`);
  const update = await buildUpdate(d, version, str(row, 'metadata_json'), optStr(row, 'record_b64'));
  const modelName = str(row, 'model_name');
  await d.publisher.modelUpdate(modelName, update);
  await d.audit.record(q.actor, q.action, `model:${version}`, { modelName, sha256: update.sha256 });
  return update;
}

/** The record last read from the topic as CHAMPION, else one built from the artifact folder. */
async function buildUpdate(
  d: Deps,
  version: string,
  metadataJson: string,
  recordB64: string | null,
): Promise<ModelUpdate> {
  if (recordB64) {
    const previous = await d.codecs.modelUpdate.decode(Buffer.from(recordB64, 'base64'));
    return { ...previous, role: 'CHAMPION', createdAt: d.now() };
  }
  const dir = join(d.artifactsDir, version);
  const onnxPath = join(dir, 'model.onnx');
  if (!existsSync(onnxPath))
    throw new FraudError(
      'BAD_REQUEST',
      `version ${version} has no model.onnx in ${dir} and was never published: nothing to promote`,
    );
  const onnx = readFileSync(onnxPath);
  const meta = JSON.parse(metadataJson) as {
    featureSet?: unknown;
    thresholds?: { review?: unknown; block?: unknown };
  };
  const modelJsonPath = join(dir, 'model.json');
  return {
    version,
    role: 'CHAMPION',
    createdAt: d.now(),
    onnx,
    uri: null,
    sha256: createHash('sha256').update(onnx).digest('hex'),
    featureSet: typeof meta.featureSet === 'string' ? meta.featureSet : 'default',
    reviewThreshold: typeof meta.thresholds?.review === 'number' ? meta.thresholds.review : 0.5,
    blockThreshold: typeof meta.thresholds?.block === 'number' ? meta.thresholds.block : 0.9,
    metadataJson,
    modelJson: existsSync(modelJsonPath) ? readFileSync(modelJsonPath) : null,
  };
}
export type ModelRegistry = ReturnType<typeof createModelRegistry>;
