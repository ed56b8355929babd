import { describe, expect, it } from 'vitest';
import { createLogger, FraudError } from '@fraud/common';
import type { ModelUpdate } from '@fraud/schemas';
import { createSpecCatalog, type SpecRuntime, type SpecWiring } from '../src/spec-catalog.ts';
import { FS_V2 } from './fakes.ts';

const logger = createLogger('spec-catalog-test', 'silent');
const update = (version: string, spec: string) => ({ version, featureSet: spec }) as ModelUpdate;

/** A wiring whose specs are named by the update's featureSet; 'bad' fails to start, 'foreign' to resolve. */
function fakeWiring() {
  const log: string[] = [];
  const wiring: SpecWiring = {
    resolve(u) {
      if (u.featureSet === 'foreign') throw new Error('unknown op teleport');
      return { hash: `h-${u.featureSet}`, id: `${u.featureSet}@1`, spec: null };
    },
    async start(resolved) {
      log.push(`start ${resolved.id}`);
      if (resolved.id === 'bad@1') throw new FraudError('TIMEOUT', 'views did not catch up');
      const runtime: SpecRuntime = {
        features: { ...FS_V2, hash: resolved.hash, id: resolved.id },
        healthy: () => true,
        stop: async () => void log.push(`stop ${resolved.id}`),
      };
      return runtime;
    },
  };
  return { wiring, log };
}

describe('the catalog of running feature specs', () => {
  it('starts a spec once for every model using it and stops it when the last releases it', async () => {
    const { wiring, log } = fakeWiring();
    const catalog = createSpecCatalog({ wiring, logger });
    const [a, b] = await Promise.all([catalog.acquire(update('m1', 'cards')), catalog.acquire(update('m2', 'cards'))]);
    expect(a).toBe(b);
    expect(catalog.running()).toEqual(['cards@1']);
    catalog.release(a);
    expect(log).toEqual(['start cards@1']);
    catalog.release(b);
    await catalog.close();
    expect(log).toEqual(['start cards@1', 'stop cards@1']);
    expect(catalog.running()).toEqual([]);
  });

  it('a spec that cannot be resolved or started is MODEL_INCOMPATIBLE; a later offer starts it again', async () => {
    const { wiring, log } = fakeWiring();
    const catalog = createSpecCatalog({ wiring, logger });
    await expect(catalog.acquire(update('m1', 'foreign'))).rejects.toMatchObject({
      code: 'MODEL_INCOMPATIBLE',
      message: expect.stringMatching(/m1: its feature spec cannot be computed by this build: unknown op/) as string,
    });
    await expect(catalog.acquire(update('m2', 'bad'))).rejects.toMatchObject({
      code: 'MODEL_INCOMPATIBLE',
      message: expect.stringMatching(/feature spec bad@1 did not start: views did not catch up/) as string,
    });
    await expect(catalog.acquire(update('m3', 'bad'))).rejects.toMatchObject({ code: 'MODEL_INCOMPATIBLE' });
    expect(log).toEqual(['start bad@1', 'start bad@1']);
    await catalog.close();
  });
});
