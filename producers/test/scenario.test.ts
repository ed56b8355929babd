import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFraudError } from '@fraud/common';
import { createSimulator, loadScenario, phaseAt, scenarioFromObject } from '../src/index.ts';
import { SCENARIOS_DIR } from './helpers.ts';

const DAY = 86_400_000;

describe('scenarios', { timeout: 180_000 }, () => {
  it('drift-demo: two simulated days of PaySim takeover only, then mule fan-in appears', async () => {
    const scenario = await loadScenario(join(SCENARIOS_DIR, 'drift-demo.yaml'));
    expect(scenario.phases.map((p) => p.fromMs)).toEqual([0, 2 * DAY]);
    expect(phaseAt(scenario, 2 * DAY - 1).name).toBe('paysim-only');
    expect(phaseAt(scenario, 2 * DAY).name).toBe('mule-fan-in-appears');
    // A smaller world at a higher fraud rate keeps the test quick; phases are by simulated time.
    const fast = {
      ...scenario,
      txPerHour: 1_500,
      phases: scenario.phases.map((p) => ({
        ...p,
        typologies: Object.fromEntries(Object.entries(p.typologies).map(([k, v]) => [k, v * 10])),
      })),
    };
    const sim = createSimulator({ seed: 'drift', scenario: fast });
    const before = new Set<string>();
    const after = new Set<string>();
    for (let i = 0; i < 400_000 && sim.now < sim.start + 4 * DAY; i++) {
      const e = sim.next();
      if (!e.typology) continue;
      const offset = e.transaction.eventTime - sim.start;
      (offset < 2 * DAY ? before : after).add(e.typology);
    }
    expect(sim.now).toBeGreaterThanOrEqual(sim.start + 4 * DAY);
    expect([...before]).toEqual(['takeover']);
    expect([...after].sort()).toEqual(['mule-fan-in', 'takeover']);
  });

  it('default.yaml is PaySim traffic with PaySim fraud', async () => {
    const s = await loadScenario(join(SCENARIOS_DIR, 'default.yaml'));
    expect(s.phases).toHaveLength(1);
    expect(s.phases[0]!.typologies).toEqual({ takeover: 0.0013 });
    expect(s.labels.fraudDelay).toEqual({
      kind: 'lognormal',
      medianMs: 6 * 3_600_000,
      sigma: 1.2,
      minMs: 300_000,
      maxMs: 3 * DAY,
    });
  });

  it('accepts JSON documents and rejects bad ones naming the problem', () => {
    const ok = scenarioFromObject({
      phases: [
        { name: 'a', typologies: { 'velocity-burst': 0.001 } },
        { name: 'b', from: '90m', typologies: {} },
      ],
    });
    expect(ok.phases[1]!.fromMs).toBe(90 * 60_000);
    const bad = (doc: unknown): string => {
      try {
        scenarioFromObject(doc, 'x.yaml');
        return 'accepted';
      } catch (err: unknown) {
        return isFraudError(err, 'CONFIG_INVALID') ? err.message : `other error ${String(err)}`;
      }
    };
    expect(bad({ phases: [{ name: 'a', typologies: { phishing: 0.1 } }] })).toMatch(/phases\.0\.typologies/);
    expect(bad({ phases: [{ name: 'a', typologies: { takeover: 2 } }] })).toMatch(/phases\.0\.typologies\.takeover/);
    expect(bad({ phases: [] })).toMatch(/phases/);
    expect(bad({ phases: [{ name: 'a', from: '1h', typologies: {} }] })).toMatch(/first phase must start at 0/);
    expect(
      bad({
        phases: [
          { name: 'a', typologies: {} },
          { name: 'b', from: 'soon', typologies: {} },
        ],
      }),
    ).toMatch(/not a duration/);
  });
});
