import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '@fraud/common';
import { coordinatorLookups } from '@fraud/kafka';
import { coordinatorLookupOn } from '@fraud/kafka/testing';
import { createScorerMetrics } from '../src/metrics.ts';

/** The value of fraud_scorer_kafka_coordinator_lookups_total{answer} on a scrape. */
async function scraped(registry: ReturnType<typeof createMetricsRegistry>, answer: string): Promise<number> {
  const text = await registry.metrics();
  const m = text.match(
    new RegExp(`^fraud_scorer_kafka_coordinator_lookups_total\\{[^}]*answer="${answer}"[^}]*\\} (\\d+)$`, 'm'),
  );
  if (!m) throw new Error(`no fraud_scorer_kafka_coordinator_lookups_total{answer="${answer}"} in the scrape`);
  return Number(m[1]);
}

describe('fraud_scorer_kafka_coordinator_lookups_total', () => {
  it("counts this process's lookups sent and remembered, as kafka/src/coordinators.ts counts them", async () => {
    const registry = createMetricsRegistry('scorer-test');
    createScorerMetrics(registry);
    const before = coordinatorLookups();
    expect(await scraped(registry, 'sent')).toBe(before.sent);
    // A kafkajs cluster stand-in, looked up three times: one lookup sent, two remembered.
    const { find } = coordinatorLookupOn({ isConnected: () => true });
    for (let i = 0; i < 3; i++) await find({ groupId: 'metrics-test', coordinatorType: 1 });
    expect(await scraped(registry, 'sent')).toBe(before.sent + 1);
    expect(await scraped(registry, 'remembered')).toBe(before.remembered + 2);
    // A second scrape adds nothing new.
    expect(await scraped(registry, 'sent')).toBe(before.sent + 1);
  });
});
