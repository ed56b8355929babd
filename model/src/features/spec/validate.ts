import { createHash } from 'node:crypto';
import { FraudError } from '@fraud/common';
import type { z } from 'zod';
import { durationMs, formatDuration } from './duration.ts';
import { featureSpecSchema, type FeatureDef, type FeatureSpec } from './schema.ts';

/** Bounds with every default filled in, in milliseconds. Part of the spec's hash. */
export interface ResolvedBounds {
  retentionMs: number;
  maxEvents: number;
  maxDistinct: number;
  lagAllowanceMs: number;
}

export const DEFAULT_MAX_EVENTS = 256;
export const DEFAULT_MAX_DISTINCT = 64;
export const DEFAULT_LAG_ALLOWANCE_MS = 6 * 3_600_000;

function fail(specName: string, path: string, why: string): never {
  throw new FraudError('CONFIG_INVALID', `feature spec ${specName}: ${path}: ${why}`, { details: { path } });
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(root)' : out;
}

function firstIssue(err: z.ZodError): { path: string; message: string } {
  const issue = err.issues[0];
  if (issue === undefined) return { path: '(root)', message: 'invalid' };
  return { path: pathOf(issue.path), message: issue.message };
}

/** The output column names of one feature (oneHot gives one per value, the others one). */
export function outputNames(f: FeatureDef): string[] {
  if (f.op !== 'oneHot') return [f.name];
  return f.values.map((v) => `${f.name}_${v.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`);
}

/** The window of a feature in ms, or null when it has none. */
export function windowOf(f: FeatureDef): number | null {
  return 'window' in f ? (durationMs(f.window) as number) : null;
}

/** The entity id a feature reads, or null when it reads the transaction only. */
export function entityOf(f: FeatureDef): string | null {
  return 'entity' in f ? f.entity : null;
}

export function resolveBounds(spec: FeatureSpec): ResolvedBounds {
  let longest = 24 * 3_600_000;
  for (const f of spec.features) {
    const w = windowOf(f);
    if (w !== null && Number.isFinite(w) && w > longest) longest = w;
  }
  const b = spec.bounds ?? {};
  return {
    retentionMs: b.retention === undefined ? longest + 3_600_000 : (durationMs(b.retention) as number),
    maxEvents: b.maxEvents ?? DEFAULT_MAX_EVENTS,
    maxDistinct: b.maxDistinct ?? DEFAULT_MAX_DISTINCT,
    lagAllowanceMs: b.lagAllowance === undefined ? DEFAULT_LAG_ALLOWANCE_MS : (durationMs(b.lagAllowance) as number),
  };
}

/** Checks across fields the schema cannot express; throws naming the JSON path. */
function checkSemantics(spec: FeatureSpec): void {
  const bounds = resolveBounds(spec);
  const seen = new Map<string, number>();
  spec.features.forEach((f, i) => {
    const at = `features[${i}]`;
    for (const n of outputNames(f)) {
      const first = seen.get(n);
      if (first !== undefined) fail(spec.name, `${at}.name`, `output name ${n} is also produced by features[${first}]`);
      seen.set(n, i);
    }
    const entity = entityOf(f);
    if (entity !== null) {
      const field = spec.entities[entity];
      if (field === undefined) {
        fail(
          spec.name,
          `${at}.entity`,
          `entity ${entity} is not declared in entities (${Object.keys(spec.entities).join(', ')})`,
        );
      }
      const w = windowOf(f);
      if (w === Infinity && field !== 'originAccount') {
        fail(
          spec.name,
          `${at}.window`,
          `"all" needs an entity on originAccount (whole in its partition); ${entity} is on ${field}`,
        );
      }
    }
    const w = windowOf(f);
    if (w !== null && Number.isFinite(w) && w > bounds.retentionMs) {
      fail(
        spec.name,
        `${at}.window`,
        `${formatDuration(w)} is longer than bounds.retention (${formatDuration(bounds.retentionMs)})`,
      );
    }
    if (w !== null && Number.isFinite(w) && w > 30 * 86_400_000) {
      fail(spec.name, `${at}.window`, `${formatDuration(w)} is longer than 30d, the longest window supported`);
    }
    if (f.op === 'night' && (f.from ?? 22) === (f.to ?? 6)) fail(spec.name, `${at}.to`, 'night must not be empty');
  });
}

/**
 * Parses and validates a feature spec (an object or JSON text). Errors are CONFIG_INVALID and
 * name the JSON path, e.g. "feature spec payments-v1: features[3].window: must be a duration".
 */
export function parseFeatureSpec(json: unknown): FeatureSpec {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json) as unknown;
    } catch (err: unknown) {
      throw new FraudError('CONFIG_INVALID', `feature spec is not valid JSON: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  const name =
    typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string'
      ? (value as { name: string }).name
      : '(unnamed)';
  const parsed = featureSpecSchema.safeParse(value);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error);
    fail(name, issue.path, issue.message);
  }
  checkSemantics(parsed.data);
  return parsed.data;
}

/** JSON with object keys sorted at every level: the same spec always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * sha256 (hex) of the spec's canonical JSON with its bounds resolved (or the given ones), so two
 * specs that compute the same features (defaults spelled out or not) hash the same, and a changed
 * bound changes it. The description does not count.
 */
export function specHash(spec: FeatureSpec, resolved?: ResolvedBounds): string {
  const { description: _description, ...rest } = spec;
  const b = resolved ?? resolveBounds(spec);
  const bounds = {
    retention: formatDuration(b.retentionMs),
    maxEvents: b.maxEvents,
    maxDistinct: b.maxDistinct,
    lagAllowance: formatDuration(b.lagAllowanceMs),
  };
  return createHash('sha256')
    .update(canonicalJson({ ...rest, bounds }))
    .digest('hex');
}
