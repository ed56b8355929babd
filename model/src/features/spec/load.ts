import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FraudError } from '@fraud/common';
import type { FeatureSpec } from './schema.ts';
import { parseFeatureSpec } from './validate.ts';

/** model/feature-sets/: the specs that ship with the build, loadable by name. */
const BUILT_IN_DIR = fileURLToPath(new URL('../../../feature-sets/', import.meta.url));

/** Names of the shipped specs (file names without .json). */
export function builtInFeatureSpecs(): string[] {
  return readdirSync(BUILT_IN_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

const cache = new Map<string, FeatureSpec>();

/**
 * A shipped spec by name ("fs-v2", "payments-v1", ...) or a spec file by path (anything with a
 * slash or ending in .json). Throws CONFIG_INVALID naming what exists when neither matches.
 */
export function loadFeatureSpec(nameOrPath: string): FeatureSpec {
  const isPath = nameOrPath.includes('/') || nameOrPath.includes('\\') || nameOrPath.endsWith('.json');
  const file = isPath ? nameOrPath : `${BUILT_IN_DIR}${nameOrPath}.json`;
  const cached = isPath ? undefined : cache.get(nameOrPath);
  if (cached !== undefined) return cached;
  if (!existsSync(file)) {
    const what = isPath ? `file ${nameOrPath} does not exist` : `no shipped feature spec is named ${nameOrPath}`;
    throw new FraudError('CONFIG_INVALID', `${what}; shipped specs: ${builtInFeatureSpecs().join(', ')}`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err: unknown) {
    throw new FraudError('CONFIG_INVALID', `cannot read feature spec ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const spec = parseFeatureSpec(text);
  if (!isPath) cache.set(nameOrPath, spec);
  return spec;
}

/**
 * The shipped spec that fits the fields a data set provides: fs-v2 when both balances are
 * present (PaySim-like mobile money), payments-v1 otherwise (card and bank payments).
 */
export function defaultSpecForFields(fields: Iterable<string>): FeatureSpec {
  const have = new Set(fields);
  const balances = have.has('originBalanceBefore') && have.has('destBalanceBefore');
  return loadFeatureSpec(balances ? 'fs-v2' : 'payments-v1');
}
