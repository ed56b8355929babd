import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testKafka } from '@fraud/kafka/testing';
import { builtinMapping, writeBanksimSample, writeHandbookSample } from '@fraud/model/csv';
import type { Label, Transaction } from '@fraud/schemas';
import { createIdempotentProducer, createPublisher, createRejectList, runReplay } from '../src/index.ts';
import { prefixedTopics, readBack, runFraudCli } from './kafka-helpers.ts';

const kafka = testKafka('producers-replay-mapping-test');
const dir = mkdtempSync(join(tmpdir(), 'fraud-replay-mapping-'));
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
  rmSync(dir, { recursive: true, force: true });
});
const DAY = 86_400_000;

describe('replay with a column mapping, through the real broker and schema registry', () => {
  it(
    'handbook file, labels 7 days after each row: exact counts, ids, times, scenarios',
    { timeout: 180_000 },
    async () => {
      const csv = join(dir, 'handbook.csv');
      const rows = await writeHandbookSample(csv, { days: 14, customers: 15, terminals: 8 });
      appendFileSync(csv, '999999,2018-04-01 00:00:00,1,1,12.x,0,0,0,0\n');
      const { topics, codecs, cleanup } = await prefixedTopics(kafka, 'replay-handbook');
      cleanups.push(cleanup);
      const producer = createIdempotentProducer(kafka);
      await producer.connect();
      const rejects = createRejectList();
      const summary = await (async () => {
        try {
          const publisher = createPublisher({ producer, topics, encoders: codecs, batchSize: 2_000 });
          const fixed = { kind: 'fixed', ms: 7 * DAY } as const;
          return await runReplay(
            { publisher, rejects },
            {
              csvPath: csv,
              mapping: builtinMapping('handbook'),
              labels: true,
              labelPolicy: { fraudDelay: fixed, legitDelay: fixed, legitSampleRate: 1 },
              strict: false,
            },
          );
        } finally {
          await producer.disconnect();
        }
      })();
      const frauds = rows.filter((r) => r.fraud === 1);
      expect(summary).toMatchObject({ read: rows.length + 1, sent: rows.length, rejected: 1, fraud: frauds.length });
      expect(summary.labels).toBe(rows.length);
      expect(rejects.items).toMatchObject([
        { line: rows.length + 2, reason: 'TX_AMOUNT: "12.x" is not a number', raw: expect.stringMatching(/^999999,/) },
      ]);

      const txs = await readBack<Transaction>(kafka, topics.transactions, summary.sent, (b) =>
        codecs.transaction.decode(b),
      );
      const labels = await readBack<Label>(kafka, topics.labels, summary.labels, (b) => codecs.label.decode(b));
      const byId = new Map(txs.values.map((t) => [t.txId, t]));
      expect(byId.size).toBe(rows.length);
      for (const r of rows) {
        const t = byId.get(`handbook-${r.id}`);
        expect(t).toMatchObject({
          eventTime: Date.UTC(2018, 3, 1) + r.seconds * 1000,
          type: 'CARD_PRESENT',
          originAccount: String(r.customer),
          destAccount: String(r.terminal),
          terminalId: String(r.terminal),
          originBalanceBefore: null,
          amount: Math.round(r.amount * 100),
        });
      }
      expect(labels.values.length).toBe(rows.length);
      for (const l of labels.values) expect(l.labeledAt).toBe(byId.get(l.txId)!.eventTime + 7 * DAY);
      const fraudLabels = labels.values.filter((l) => l.isFraud);
      expect(fraudLabels.length).toBe(frauds.length);
      expect(new Set(fraudLabels.map((l) => l.typology))).toEqual(new Set(frauds.map((r) => `scenario-${r.scenario}`)));
    },
  );

  it(
    'fraud replay --mapping banksim --label-delay 1d: days spread by row, labels a day later',
    { timeout: 180_000 },
    async () => {
      const csv = join(dir, 'banksim.csv');
      const rows = await writeBanksimSample(csv, { days: 6, customers: 20 });
      const { prefix, topics, codecs, cleanup } = await prefixedTopics(kafka, 'replay-banksim');
      cleanups.push(cleanup);
      const args = ['replay', '--csv', csv, '--mapping', 'banksim', '--label-delay', '1d', '--metrics-port', '0'];
      const res = await runFraudCli(args, prefix, dir);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toMatch(/mapping banksim/);
      expect(res.stdout).toMatch(new RegExp(`sent\\s+${rows.length}\\b`));
      expect(res.stdout).toMatch(new RegExp(`fraud\\s+${rows.filter((r) => r.fraud === 1).length}\\b`));
      expect(res.stdout).toMatch(/rejected\s+0\b/);
      const txs = await readBack<Transaction>(kafka, topics.transactions, rows.length, (b) =>
        codecs.transaction.decode(b),
      );
      const labels = await readBack<Label>(kafka, topics.labels, rows.length, (b) => codecs.label.decode(b));
      const byId = new Map(txs.values.map((t) => [t.txId, t]));
      // Row k of a day is k * 50 ms into it (file order kept); ids are csv-<file tag>-<line>.
      const times = [...byId.values()].sort((a, b) => a.eventTime - b.eventTime);
      const line = (t: Transaction): number => Number(t.txId.split('-').pop());
      expect(times.map(line)).toEqual(rows.map((_, i) => i + 2));
      const firstOfDay1 = rows.findIndex((r) => r.step === 1);
      expect(times[firstOfDay1]!.eventTime).toBe(Date.UTC(2026, 0, 1) + DAY);
      expect(times[firstOfDay1 + 1]!.eventTime).toBe(Date.UTC(2026, 0, 1) + DAY + 50);
      expect(times[0]).toMatchObject({ type: 'PAYMENT', currency: 'EUR', attributes: { category: rows[0]!.category } });
      for (const l of labels.values) expect(l.labeledAt).toBe(byId.get(l.txId)!.eventTime + DAY);
      expect(labels.values.filter((l) => l.isFraud).every((l) => l.typology === 'banksim')).toBe(true);
    },
  );
});
