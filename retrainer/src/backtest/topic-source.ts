import { randomUUID } from 'node:crypto';
import { consumerConfig, type Kafka } from '@fraud/kafka';
import { FraudError, waitFor } from '@fraud/common';
import type { Codecs, Label, Topics, Transaction } from '@fraud/schemas';
import type { BacktestRow } from './backtest.ts';

/**
 * Reads the transactions published in a time range by OFFSETS: for each partition the first
 * offset at or after `from - warmupMs` and the first at or after `to` (admin.fetchTopicOffsetsByTimestamp
 * on the record timestamps), then every record between them; and joins the labels topic by txId.
 * Record timestamps are publish times: for live traffic they track event time, and the warm-up
 * covers the windows of the stateful features.
 */
export async function readTopicRange(q: {
  kafka: Kafka;
  codecs: Pick<Codecs, 'transaction' | 'label'>;
  topics: Pick<Topics, 'transactions' | 'labels'>;
  from: number;
  to: number;
  warmupMs: number;
  timeoutMs?: number;
  onProgress?: (read: number, total: number) => void;
}): Promise<{ rows: BacktestRow[]; skipped: number }> {
  const admin = q.kafka.admin();
  await admin.connect();
  let ranges: { partition: number; start: bigint; end: bigint }[];
  let labelEnds: { partition: number; end: bigint }[];
  try {
    const starts = await admin.fetchTopicOffsetsByTimestamp(q.topics.transactions, q.from - q.warmupMs);
    const ends = await admin.fetchTopicOffsetsByTimestamp(q.topics.transactions, q.to + 1);
    const highs = await admin.fetchTopicOffsets(q.topics.transactions);
    ranges = starts.map((s) => {
      const high = BigInt(highs.find((h) => h.partition === s.partition)?.high ?? '0');
      const e = ends.find((x) => x.partition === s.partition)?.offset;
      const start = s.offset === '-1' ? high : BigInt(s.offset);
      const end = e === undefined || e === '-1' ? high : BigInt(e);
      return { partition: s.partition, start, end };
    });
    labelEnds = (await admin.fetchTopicOffsets(q.topics.labels)).map((h) => ({
      partition: h.partition,
      end: BigInt(h.high),
    }));
  } finally {
    await admin.disconnect();
  }
  const total = ranges.reduce((a, r) => a + Number(r.end - r.start), 0);
  const txs: Transaction[] = [];
  let skipped = 0;
  await readRanges(q.kafka, q.topics.transactions, ranges, q.timeoutMs ?? 120_000, async (buf) => {
    try {
      txs.push(await q.codecs.transaction.decode(buf));
    } catch {
      skipped++;
    }
    q.onProgress?.(txs.length + skipped, total);
  });
  const labels = new Map<string, Label>();
  await readRanges(
    q.kafka,
    q.topics.labels,
    labelEnds.map((l) => ({ partition: l.partition, start: 0n, end: l.end })),
    q.timeoutMs ?? 120_000,
    async (buf) => {
      try {
        const l = await q.codecs.label.decode(buf);
        const prev = labels.get(l.txId);
        if (!prev || l.labeledAt >= prev.labeledAt) labels.set(l.txId, l);
      } catch {
        skipped++;
      }
    },
  );
  return {
    rows: txs.map((tx) => {
      const l = labels.get(tx.txId);
      return { tx, isFraud: l ? l.isFraud : null, typology: l?.typology ?? null };
    }),
    skipped,
  };
}

/** Reads [start, end) of each partition with a throw-away group, seeking to each start. */
async function readRanges(
  kafka: Kafka,
  topic: string,
  ranges: { partition: number; start: bigint; end: bigint }[],
  timeoutMs: number,
  onValue: (b: Buffer) => Promise<void>,
): Promise<void> {
  const todo = ranges.filter((r) => r.end > r.start);
  if (todo.length === 0) return;
  const done = new Map<number, boolean>(todo.map((r) => [r.partition, false]));
  // 16 MiB per fetch (kafkajs's default is 10): a backtest reads whole days of a topic at once.
  const consumer = kafka.consumer(
    consumerConfig('throughput', { groupId: `backtest-${randomUUID().slice(0, 8)}`, maxBytes: 16 * 1024 * 1024 }),
  );
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let seeked = false;
    const startedSeeks = new Promise<void>((resolve) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        if (!seeked) {
          seeked = true;
          for (const r of todo) consumer.seek({ topic, partition: r.partition, offset: r.start.toString() });
        }
        resolve();
      });
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const r = todo.find((x) => x.partition === batch.partition);
        if (!r) return;
        for (const m of batch.messages) {
          const off = BigInt(m.offset);
          if (off < r.start) continue;
          if (off >= r.end) {
            done.set(r.partition, true);
            break;
          }
          if (m.value) await onValue(m.value);
          if (off + 1n >= r.end) done.set(r.partition, true);
        }
      },
    });
    await startedSeeks;
    await waitFor(() => [...done.values()].every(Boolean), { timeoutMs, what: `reading ${topic} offset ranges` });
  } catch (err: unknown) {
    throw err instanceof FraudError
      ? err
      : new FraudError('KAFKA_UNAVAILABLE', `cannot replay ${topic}`, { cause: err, retriable: true });
  } finally {
    await consumer.disconnect();
  }
}
