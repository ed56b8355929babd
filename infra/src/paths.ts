import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseInfraEnv, type InfraEnv } from './env.ts';

/** Repository root, found from this file (infra/src/paths.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where local runtime state lives (Kafka logs, DuckDB files, pids). FRAUD_DATA_DIR overrides. */
export function dataDir(env: InfraEnv = parseInfraEnv()): string {
  return resolve(env.FRAUD_DATA_DIR ?? join(repoRoot, '.data'));
}

export const kafkaLibDir = join(repoRoot, 'infra', 'kafka', 'lib');
export const kafkaPom = join(repoRoot, 'infra', 'kafka', 'pom.xml');
