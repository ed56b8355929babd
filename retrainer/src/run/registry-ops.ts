import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FraudError } from '@fraud/common';
import { modelSpecProblem, readArtifact, type Artifact } from '@fraud/model';
import type { ModelUpdate } from '@fraud/schemas';
import type { PublicationRecord, RegistryStore, RunRecord } from '../store/registry-store.ts';
import { sourceFromArtifact } from './model-source.ts';
import type { ModelPublisher } from './publisher.ts';

export interface ModelSummary {
  version: string;
  createdAt: number | null;
  status: 'champion' | 'shadow' | 'retired' | RunRecord['status'] | 'artifact';
  trigger: string | null;
  aucpr: number | null;
  recall: number | null;
  precision: number | null;
  fpr: number | null;
  cost: number | null;
  reason: string;
}

export interface ModelDetails {
  version: string;
  run: RunRecord | null;
  metadata: Record<string, unknown> | null;
  publications: PublicationRecord[];
  live: 'champion' | 'shadow' | null;
}

/**
 * The model registry as `fraud models` and the console see it: runs (every trained version,
 * promoted or not), artifacts on disk, publications, and what model-updates says is live.
 */
export interface RegistryOps {
  list(): Promise<ModelSummary[]>;
  show(version: string): Promise<ModelDetails>;
  promote(version: string, opts: { shadow: boolean; actor: string; reason?: string }): Promise<ModelUpdate>;
  rollback(opts: { actor: string }): Promise<ModelUpdate>;
}

export interface RegistryOpsDeps {
  registry: RegistryStore;
  artifactsDir: string;
  publisher: ModelPublisher;
  live: () => { champion: string | null; shadow: string | null };
}

export function createRegistryOps(deps: RegistryOpsDeps): RegistryOps {
  return {
    list: () => listModels(deps),
    show: (version) => showModel(deps, version),
    promote: (version, opts) => promoteModel(deps, version, opts),
    rollback: (opts) => rollbackModel(deps, opts),
  };
}

async function versionsOnDisk(artifactsDir: string): Promise<string[]> {
  try {
    return (await readdir(artifactsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

async function loadArtifact(deps: RegistryOpsDeps, version: string): Promise<Artifact> {
  if (!/^[A-Za-z0-9._-]+$/.test(version)) throw new FraudError('BAD_REQUEST', `invalid model version "${version}"`);
  try {
    return await readArtifact(join(deps.artifactsDir, version));
  } catch (err: unknown) {
    throw new FraudError(
      'NOT_FOUND',
      `no artifact for model ${version} in ${deps.artifactsDir}; ` + 'run `fraud models list` to see the versions',
      { cause: err },
    );
  }
}

/** An artifact the scorer can serve (its spec computable; fs-v1 refused): checked here, not by every scorer. */
async function servableArtifact(deps: RegistryOpsDeps, version: string): Promise<Artifact> {
  const artifact = await loadArtifact(deps, version);
  const problem = modelSpecProblem({ ...artifact.metadata, version });
  if (problem !== null) throw new FraudError('MODEL_INCOMPATIBLE', `cannot publish ${version}: ${problem}`);
  return artifact;
}

function runSummary(r: RunRecord): ModelSummary {
  const m = r.challengerMetrics as Partial<Record<'aucpr' | 'recall' | 'precision' | 'fpr' | 'cost', number>> | null;
  return {
    version: r.version,
    createdAt: r.startedAt,
    status: r.status,
    trigger: r.trigger,
    aucpr: m?.aucpr ?? null,
    recall: m?.recall ?? null,
    precision: m?.precision ?? null,
    fpr: m?.fpr ?? null,
    cost: m?.cost ?? null,
    reason: r.reason,
  };
}

function artifactSummary(version: string): ModelSummary {
  return {
    version,
    createdAt: null,
    status: 'artifact',
    trigger: null,
    aucpr: null,
    recall: null,
    precision: null,
    fpr: null,
    cost: null,
    reason: 'artifact on disk',
  };
}

/** Every run and every artifact on disk, newest first, with live and retired champions marked. */
async function listModels(deps: RegistryOpsDeps): Promise<ModelSummary[]> {
  const live = deps.live();
  const runs = await deps.registry.runs(1000);
  const pubs = await deps.registry.publications(1000);
  const out = new Map<string, ModelSummary>();
  for (const r of runs) out.set(r.version, runSummary(r));
  for (const v of await versionsOnDisk(deps.artifactsDir)) {
    if (!out.has(v)) out.set(v, artifactSummary(v));
  }
  for (const s of out.values()) {
    if (s.version === live.champion) s.status = 'champion';
    else if (s.version === live.shadow) s.status = 'shadow';
    else if (pubs.some((p) => p.version === s.version && p.role === 'CHAMPION')) s.status = 'retired';
  }
  return [...out.values()].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
}

async function showModel(deps: RegistryOpsDeps, version: string): Promise<ModelDetails> {
  const run = await deps.registry.run(version);
  let metadata: Record<string, unknown> | null = null;
  try {
    metadata = (await loadArtifact(deps, version)).metadata;
  } catch (err: unknown) {
    if (!run) throw err;
  }
  const live = deps.live();
  return {
    version,
    run,
    metadata,
    publications: (await deps.registry.publications(1000)).filter((p) => p.version === version),
    live: live.champion === version ? 'champion' : live.shadow === version ? 'shadow' : null,
  };
}

async function promoteModel(
  deps: RegistryOpsDeps,
  version: string,
  opts: { shadow: boolean; actor: string; reason?: string },
): Promise<ModelUpdate> {
  const source = sourceFromArtifact(await servableArtifact(deps, version));
  const role = opts.shadow ? 'SHADOW' : 'CHAMPION';
  return deps.publisher.publish(source, role, {
    action: 'manual',
    actor: opts.actor,
    reason: opts.reason ?? `manual ${role.toLowerCase()} promotion`,
  });
}

/** Republishes the newest champion other than the current one. */
async function rollbackModel(deps: RegistryOpsDeps, opts: { actor: string }): Promise<ModelUpdate> {
  const current = deps.live().champion;
  const previous = (await deps.registry.publications(1000)).find((p) => p.role === 'CHAMPION' && p.version !== current);
  if (!previous)
    throw new FraudError(
      'NOT_FOUND',
      `no earlier champion than ${current ?? '(none)'} to roll back to; use \`fraud models promote VERSION\``,
    );
  const source = sourceFromArtifact(await servableArtifact(deps, previous.version));
  return deps.publisher.publish(source, 'CHAMPION', {
    action: 'rollback',
    actor: opts.actor,
    reason: `rollback from ${current ?? '(none)'} to ${previous.version}`,
  });
}
