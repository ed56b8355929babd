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
export function createModelRegistry(deps: {
  db: Database;
  codecs: Codecs;
  publisher: Publisher;
  audit: AuditLog;
  artifactsDir: string;
  modelName: string;
  now?: () => number;
}) {
  const { db, codecs } = deps;
  const now = deps.now ?? Date.now;

  async function upsert(update: ModelUpdate, modelName: string, recordB64: string | null): Promise<void> {
    await db.transaction(async (tx) => {
      const existing = await tx.one('SELECT record_b64 FROM model_versions WHERE version = $v', { v: update.version });
      const b64 = recordB64 ?? (existing ? optStr(existing, 'record_b64') : null);
      await tx.run('DELETE FROM model_versions WHERE version = $v', { v: update.version });
      await tx.run('INSERT INTO model_versions VALUES ($v, $name, $role, $created, $seen, $meta, $rec)', {
        v: update.version,
        name: modelName,
        role: update.role,
        created: update.createdAt,
        seen: now(),
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

  return {
    /** Handler for the model-updates topic tail. */
    async onMessage(message: KafkaMessage): Promise<void> {
      if (!message.value) return;
      const update = await codecs.modelUpdate.decode(message.value);
      await upsert(update, message.key?.toString() ?? deps.modelName, message.value.toString('base64'));
    },

    /** Registers versions found under artifactsDir/<version>/metadata.json that Kafka has not told us about. */
    async scanArtifacts(): Promise<number> {
      if (!existsSync(deps.artifactsDir)) return 0;
      let added = 0;
      for (const entry of readdirSync(deps.artifactsDir, { withFileTypes: true })) {
        const metaPath = join(deps.artifactsDir, entry.name, 'metadata.json');
        if (!entry.isDirectory() || !existsSync(metaPath)) continue;
        const known = await db.one('SELECT version FROM model_versions WHERE version = $v', { v: entry.name });
        if (known) continue;
        const metadataJson = readFileSync(metaPath, 'utf8');
        const meta = JSON.parse(metadataJson) as Record<string, unknown>;
        const createdAt =
          typeof meta.createdAt === 'number' ? meta.createdAt : Date.parse(String(meta.createdAt ?? '')) || 0;
        await db.run('INSERT INTO model_versions VALUES ($v, $name, $role, $created, $seen, $meta, NULL)', {
          v: entry.name,
          name: deps.modelName,
          role: 'CANDIDATE',
          created: createdAt,
          seen: now(),
          meta: metadataJson,
        });
        added++;
      }
      return added;
    },

    async champion(): Promise<string | null> {
      const row = await db.one("SELECT version FROM champion_history WHERE role = 'CHAMPION' ORDER BY ts DESC LIMIT 1");
      return row ? str(row, 'version') : null;
    },

    async list(): Promise<ModelView[]> {
      const champion = await this.champion();
      const shadows = new Set(
        (
          await db.all(
            `SELECT version FROM (SELECT version, role, row_number() OVER (PARTITION BY version ORDER BY ts DESC) AS rn FROM champion_history) WHERE rn = 1 AND role = 'SHADOW'`,
          )
        ).map((r) => str(r, 'version')),
      );
      const rows = await db.all(
        'SELECT version, role, created_at, metadata_json, record_b64 IS NOT NULL AS on_topic FROM model_versions ORDER BY created_at DESC',
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
        const promotable = onTopic || existsSync(join(deps.artifactsDir, version, 'model.onnx'));
        return modelViewFromMetadata(meta, {
          version,
          role,
          createdAt: num(r, 'created_at'),
          sources: [onTopic ? 'model-updates' : 'artifacts'],
          promotable,
        });
      });
    },

    /** Champion changes, newest first. */
    async history(limit = 50): Promise<{ at: number; version: string; role: string }[]> {
      const rows = await db.all('SELECT ts, version, role FROM champion_history ORDER BY ts DESC LIMIT $l', {
        l: limit,
      });
      return rows.map((r) => ({ at: num(r, 'ts'), version: str(r, 'version'), role: str(r, 'role') }));
    },

    /** Publishes a CHAMPION ModelUpdate for `version` (promote, or roll back to an older one). */
    async promote(version: string, actor: string, action: 'model.promote' | 'model.rollback'): Promise<ModelUpdate> {
      const row = await db.one('SELECT model_name, metadata_json, record_b64 FROM model_versions WHERE version = $v', {
        v: version,
      });
      if (!row) throw new FraudError('NOT_FOUND', `unknown model version ${version}`);
      const update = await buildUpdate(version, str(row, 'metadata_json'), optStr(row, 'record_b64'));
      const modelName = str(row, 'model_name');
      await deps.publisher.modelUpdate(modelName, update);
      await deps.audit.record(actor, action, `model:${version}`, { modelName, sha256: update.sha256 });
      return update;
    },
  };

  async function buildUpdate(version: string, metadataJson: string, recordB64: string | null): Promise<ModelUpdate> {
    if (recordB64) {
      const previous = await codecs.modelUpdate.decode(Buffer.from(recordB64, 'base64'));
      return { ...previous, role: 'CHAMPION', createdAt: now() };
    }
    const dir = join(deps.artifactsDir, version);
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
      createdAt: now(),
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
}
export type ModelRegistry = ReturnType<typeof createModelRegistry>;
