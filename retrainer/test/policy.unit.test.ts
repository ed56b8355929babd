import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, waitFor } from '@fraud/common';
import {
  createPolicyManager,
  defaultRetrainPolicy,
  validateRetrainPolicy,
  watchPolicyFile,
} from '../src/policy/index.ts';
import { openStore, type Store } from '../src/store/index.ts';

const logger = createLogger('test', 'silent');

describe('retrain policy', () => {
  let store: Store | undefined;
  afterEach(() => store?.db.close());

  it('fills defaults, refuses unknown fields and inconsistent values with the path in the message', () => {
    expect(defaultRetrainPolicy().promotion.metric).toBe('aucpr');
    expect(validateRetrainPolicy({ minNewLabels: 10 }).minNewLabels).toBe(10);
    expect(() => validateRetrainPolicy({ minNewLable: 10 })).toThrow(/minNewLable/);
    expect(() => validateRetrainPolicy({ promotion: { metric: 'accuracy' } })).toThrow(/promotion\.metric/);
    expect(() => validateRetrainPolicy({ minIntervalMinutes: 60, maxIntervalMinutes: 5 })).toThrow(
      /minIntervalMinutes/,
    );
  });

  it('applies a good edit, refuses a bad one keeping the old policy, and audits both', async () => {
    store = await openStore(':memory:');
    const manager = createPolicyManager({ registry: store.registry, logger });
    const seen: number[] = [];
    manager.onChange((p) => seen.push(p.minNewLabels));
    const ok = await manager.apply({ source: 'api', actor: 'alice', policy: { minNewLabels: 42 } });
    expect(ok.accepted).toBe(true);
    const bad = await manager.apply({ source: 'api', actor: 'bob', policy: { minNewLabels: -1 } });
    expect(bad.accepted).toBe(false);
    if (!bad.accepted) expect(bad.message).toMatch(/minNewLabels/);
    expect(manager.current().minNewLabels).toBe(42);
    expect(manager.current().updatedBy).toBe('alice');
    expect(seen).toEqual([42]);
    const audit = await store.registry.audit();
    expect(audit.map((a) => [a.actor, a.accepted])).toEqual([
      ['bob', false],
      ['alice', true],
    ]);
    expect(audit[1]?.message).toMatch(/minNewLabels/);
  });

  it('follows a watched YAML file and refuses a broken one', async () => {
    store = await openStore(':memory:');
    const manager = createPolicyManager({ registry: store.registry, logger });
    const path = join(mkdtempSync(join(tmpdir(), 'policy-')), 'retrain-policy.yaml');
    writeFileSync(path, 'minNewLabels: 7\npromotion:\n  metric: cost\n');
    const watcher = watchPolicyFile({ path, manager, logger, intervalMs: 20 });
    expect((await watcher.load())?.accepted).toBe(true);
    expect(manager.current().promotion.metric).toBe('cost');
    watcher.start();
    try {
      writeFileSync(path, 'minNewLabels: 9\nshadowFirst: true\n');
      await waitFor(() => manager.current().minNewLabels === 9, { timeoutMs: 5_000, what: 'file edit applied' });
      writeFileSync(path, 'minNewLabels: [unclosed\n');
      await waitFor(async () => (await store!.registry.audit()).some((a) => !a.accepted && /YAML/.test(a.message)), {
        timeoutMs: 5_000,
        what: 'bad file refused',
      });
      expect(manager.current().minNewLabels).toBe(9);
      expect(manager.current().shadowFirst).toBe(true);
    } finally {
      watcher.stop();
    }
  });
});
