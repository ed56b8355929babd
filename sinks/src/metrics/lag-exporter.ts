import type { Admin } from '@fraud/kafka';
import { Gauge, type Registry } from 'prom-client';
import { errorMessage, type Logger } from '@fraud/common';

export interface LagExporterDeps {
  admin: Admin;
  registry: Registry;
  /** Consumer groups to watch (scorer, sinks...). */
  groups: string[];
  logger: Logger;
  intervalMs: number;
}

/**
 * Consumer lag per group, topic and partition: the log-end offset (fetchTopicOffsets) minus
 * the group's committed offset (fetchOffsets), polled on an interval so scrapes stay cheap.
 * A partition the group has never committed counts its whole log as lag.
 */
export function createLagExporter(deps: LagExporterDeps) {
  const lag = new Gauge({
    name: 'fraud_consumer_lag',
    help: 'Records not yet committed by a consumer group',
    labelNames: ['group', 'topic', 'partition'],
    registers: [deps.registry],
  });
  const errors = new Gauge({
    name: 'fraud_consumer_lag_up',
    help: '1 when the last lag poll of a group succeeded',
    labelNames: ['group'],
    registers: [deps.registry],
  });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  async function pollGroup(group: string): Promise<void> {
    const committed = await deps.admin.fetchOffsets({ groupId: group });
    for (const { topic, partitions } of committed) {
      const ends = await deps.admin.fetchTopicOffsets(topic);
      const endBy = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
      for (const p of partitions) {
        const end = endBy.get(p.partition);
        if (end === undefined) continue;
        const low = BigInt(ends.find((e) => e.partition === p.partition)?.low ?? '0');
        const at = BigInt(p.offset) < 0n ? low : BigInt(p.offset);
        lag.labels(group, topic, String(p.partition)).set(Number(end > at ? end - at : 0n));
      }
    }
  }

  async function poll(): Promise<void> {
    for (const group of deps.groups) {
      try {
        await pollGroup(group);
        errors.labels(group).set(1);
      } catch (err: unknown) {
        errors.labels(group).set(0);
        deps.logger.warn({ group, err: errorMessage(err) }, 'consumer lag poll failed; will retry next interval');
      }
    }
  }

  return {
    poll,
    start() {
      const tick = () => {
        running = poll().finally(() => {
          running = undefined;
          if (!stopped) timer = setTimeout(tick, deps.intervalMs);
        });
      };
      tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
