import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testKafka } from '@fraud/kafka/testing';
import type { Label, Transaction } from '@fraud/schemas';
import { createCardSimulator, DEFAULT_CARD_SCENARIO } from '../src/index.ts';
import { prefixedTopics, readBack, REGISTRY_URL } from './kafka-helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const kafka = testKafka('producers-card-simulate-test');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** Runs the CLI to its end; resolves with its exit code and output. */
function fraud(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/fraud.mjs'), ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('fraud simulate --world card through the real broker and schema registry', () => {
  it(
    'publishes exactly n card payments (the seeded stream) and their n labels, no balances',
    { timeout: 300_000 },
    async () => {
      const { prefix, topics, codecs, cleanup } = await prefixedTopics(kafka, 'card-sim');
      cleanups.push(cleanup);
      const n = 3_000;
      const start = '2026-01-01T00:00:00Z';
      const r = await fraud(
        [
          'simulate',
          '--world',
          'card',
          '--count',
          String(n),
          '--max',
          '--seed',
          '9',
          '--start',
          start,
          '--metrics-port',
          '0',
        ],
        { TOPIC_PREFIX: prefix, SCHEMA_REGISTRY_URL: REGISTRY_URL, LOG_LEVEL: 'error' },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/world card, scenario card, seed 9/);
      expect(r.stdout).toMatch(new RegExp(`transactions sent\\s+${n}\\b`));
      expect(r.stdout).toMatch(new RegExp(`labels sent\\s+${n}\\b`));

      const txs = await readBack<Transaction>(kafka, topics.transactions, n, (b) => codecs.transaction.decode(b));
      const labels = await readBack<Label>(kafka, topics.labels, n, (b) => codecs.label.decode(b));
      expect(txs.values).toHaveLength(n);
      expect(labels.values).toHaveLength(n);
      const sim = createCardSimulator({ seed: '9', scenario: DEFAULT_CARD_SCENARIO, start: Date.parse(start) });
      const expected = Array.from({ length: n }, () => sim.next().transaction);
      const byId = new Map(txs.values.map((t) => [t.txId, t]));
      expect(byId.size).toBe(n);
      for (const e of expected) expect(byId.get(e.txId)).toEqual(e);
      expect(new Set(labels.values.map((l) => l.txId))).toEqual(new Set(byId.keys()));
      // Keyed by card: one card's payments are all in one partition.
      const partitionOf = new Map<string, number>();
      for (const [p, values] of txs.byPartition)
        for (const t of values) {
          expect(partitionOf.get(t.originAccount) ?? p).toBe(p);
          partitionOf.set(t.originAccount, p);
        }
    },
  );

  it('refuses --world card with a PaySim scenario file, saying what to change', { timeout: 120_000 }, async () => {
    const r = await fraud(
      ['simulate', '--world', 'card', '--scenario', join(ROOT, 'producers/scenarios/default.yaml'), '--count', '1'],
      { TOPIC_PREFIX: 'unused-', LOG_LEVEL: 'error' },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--world card but the scenario .*default\.yaml is of the paysim world/);
  });
});
