import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_COSTS, FEATURE_SET } from '@fraud/model';
import type { ModelUpdate } from '@fraud/schemas';
import { validateRetrainPolicy } from '../../src/policy/schema.ts';
import type { ModelSource } from '../../src/run/model-source.ts';
import { createModelPublisher } from '../../src/run/publisher.ts';
import { judgeShadow } from '../../src/run/shadow.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { label, scored } from '../fixtures.ts';
import { rng } from '../synthetic.ts';

const source = (version: string): ModelSource => ({
  version,
  featureSet: FEATURE_SET,
  featureNames: ['f'],
  onnx: new Uint8Array([1, 2, 3]),
  modelJson: '{}',
  sha256: 'x'.repeat(64),
  thresholds: { review: 0.5, block: 0.9 },
  metadata: { version },
});

/** Live rows scored by the champion (score) and the shadow (shadow.score): whichever tracks the truth better wins. */
async function liveRows(store: Store, from: number, n: number, shadowGood: boolean): Promise<void> {
  const r = rng(5 + from);
  const recs = [];
  const labels = [];
  for (let i = from; i < from + n; i++) {
    const fraud = r() < 0.05;
    const good = fraud ? 0.7 + r() * 0.3 : r() * 0.3;
    const weak = fraud ? (r() < 0.4 ? 0.8 : 0.1) : r() * 0.45;
    const [champ, shadow] = shadowGood ? [weak, good] : [good, weak];
    recs.push(
      scored(`t${i}`, 1000 + i, [0], {
        featureSet: FEATURE_SET,
        modelVersion: 'champ',
        score: champ,
        shadow: { modelVersion: 'shadow', score: shadow, decision: 'APPROVE' },
      }),
    );
    labels.push(label(`t${i}`, fraud));
  }
  await store.training.ingestScored(recs);
  await store.training.ingestLabels(labels);
}

describe('shadow judged on live labels', () => {
  let store: Store | undefined;
  afterEach(() => store?.db.close());
  const policy = validateRetrainPolicy({
    shadow: { minLabels: 500, minPositives: 10 },
    promotion: { metric: 'aucpr', margin: 0.01, maxFprIncrease: 0.05 },
  });

  for (const shadowGood of [true, false]) {
    it(
      shadowGood
        ? 'promotes a better shadow to champion and clears the shadow key'
        : 'retires a worse shadow, the champion stays',
      async () => {
        store = await openStore(':memory:');
        const sent: [string, ModelUpdate | null][] = [];
        const publisher = createModelPublisher({
          registry: store.registry,
          sink: {
            async send(key, value) {
              sent.push([key, value]);
            },
          },
        });
        const deps = {
          store,
          publisher,
          costs: DEFAULT_COSTS,
          featureSet: FEATURE_SET,
          policy,
          champion: source('champ'),
          shadow: source('shadow'),
        };
        await liveRows(store, 0, 300, shadowGood);
        expect((await judgeShadow(deps)).state).toBe('waiting');
        expect(sent).toEqual([]);
        await liveRows(store, 300, 3000, shadowGood);
        const verdict = await judgeShadow(deps);
        expect(verdict.state).toBe(shadowGood ? 'promoted' : 'retired');
        if (shadowGood)
          expect(sent.map(([k, v]) => [k, v?.version ?? null])).toEqual([
            ['champion', 'shadow'],
            ['shadow', null],
          ]);
        else expect(sent.map(([k, v]) => [k, v?.version ?? null])).toEqual([['shadow', null]]);
      },
    );
  }
});
