import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  builtinMapping,
  compileMapping,
  handbookCsv,
  handbookRows,
  writeBanksimSample,
  type HandbookRow,
} from '@fraud/model/csv';
import { fraud } from './model-cli.ts';
import { pickSpec } from '../src/model/options.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'model-mapping-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface ScoredLine {
  row: number;
  txId: string;
  eventTime: string;
  score: number;
  decision: string;
  isFraud: number;
}

async function readScores(path: string): Promise<{ header: string; rows: ScoredLine[] }> {
  const [header, ...lines] = (await readFile(path, 'utf8')).trim().split('\n');
  return {
    header: header ?? '',
    rows: lines.map((l) => {
      const f = l.split(',');
      return {
        row: Number(f[0]),
        txId: f[1]!,
        eventTime: f[2]!,
        score: Number(f[6]),
        decision: f[7]!,
        isFraud: Number(f[8]),
      };
    }),
  };
}

const DAY = 86_400_000;
const day = (d: number): string => new Date(Date.UTC(2018, 3, 1) + d * DAY).toISOString().slice(0, 10);

describe('fraud model with --mapping (generated files)', () => {
  it(
    'handbook: train (7-day label delay) -> evaluate a window -> score the whole file, shuffled too',
    {
      timeout: 300_000,
    },
    async () => {
      const rows = handbookRows({ days: 50, customers: 50, terminals: 30 });
      const csv = join(dir, 'handbook.csv');
      await writeFile(csv, handbookCsv(rows));
      const out = join(dir, 'models');
      const train = await fraud(
        'model',
        'train',
        '--csv',
        csv,
        '--mapping',
        'handbook',
        '--label-delay',
        '7d',
        '--valid-from',
        day(25),
        '--test-from',
        day(39),
        '--rounds',
        '20',
        '--out',
        out,
        '--no-progress',
      );
      expect(train.stderr).toBe('');
      expect(train.code).toBe(0);
      expect(train.stdout).toMatch(/^feature spec payments-v1 v\d+ \(default for mapping handbook \(no balances\)/);
      expect(train.stdout).toMatch(/label-delay gap 168 h/);
      expect(train.stdout).toMatch(/TEST \(future\) at the cost-optimal thresholds/);
      const [version] = await readdir(out);
      const model = join(out, version ?? 'missing');
      const metadata = JSON.parse(await readFile(join(model, 'metadata.json'), 'utf8')) as {
        provenance: { mapping: string; labelDelayMs: number };
        featureSpecId: string;
      };
      expect(metadata.provenance).toMatchObject({ mapping: 'handbook', labelDelayMs: 7 * DAY });
      expect(metadata.featureSpecId).toMatch(/^payments-v1@/);

      const ev = await fraud(
        'model',
        'evaluate',
        '--model',
        model,
        '--csv',
        csv,
        '--mapping',
        'handbook',
        '--from',
        day(39),
        '--json',
        '--no-progress',
      );
      expect(ev.code, ev.stderr).toBe(0);
      const report = JSON.parse(ev.stdout) as {
        rows: number;
        labelDelayMs: number;
        mapping: string;
        byTypology: Record<string, unknown>;
      };
      const inWindow = rows.filter((r) => r.seconds * 1000 >= 39 * DAY).length;
      expect(report).toMatchObject({ rows: inWindow, labelDelayMs: 7 * DAY, mapping: 'handbook' });
      expect(Object.keys(report.byTypology)).toEqual(expect.arrayContaining(['scenario-1', 'scenario-2']));

      // The whole file, one row per input row in input order; then the same rows shuffled.
      const scoredPath = join(dir, 'scored.csv');
      const sc = await fraud(
        'model',
        'score',
        '--model',
        model,
        '--csv',
        csv,
        '--mapping',
        'handbook',
        '--out',
        scoredPath,
      );
      expect(sc.code, sc.stderr).toBe(0);
      expect(sc.stdout).toMatch(new RegExp(`^scored ${rows.length} rows \\(mapping handbook\\)`));
      const scored = await readScores(scoredPath);
      expect(scored.header).toBe('row,txId,eventTime,step,type,amount,score,decision,isFraud,reasons');
      expect(scored.rows.map((r) => r.txId)).toEqual(rows.map((r) => `handbook-${r.id}`));
      expect(scored.rows.map((r) => r.row)).toEqual(rows.map((_, i) => i + 1));
      expect(scored.rows.map((r) => r.isFraud)).toEqual(rows.map((r) => r.fraud));

      const shuffled = shuffle(rows);
      const shuffledCsv = join(dir, 'handbook-shuffled.csv');
      await writeFile(shuffledCsv, handbookCsv(shuffled));
      const shuffledOut = join(dir, 'scored-shuffled.csv');
      const sc2 = await fraud(
        'model',
        'score',
        '--model',
        model,
        '--csv',
        shuffledCsv,
        '--mapping',
        'handbook',
        '--reasons',
        'none',
        '--out',
        shuffledOut,
        '--no-progress',
      );
      expect(sc2.code, sc2.stderr).toBe(0);
      const scored2 = await readScores(shuffledOut);
      expect(scored2.rows.map((r) => r.txId)).toEqual(shuffled.map((r) => `handbook-${r.id}`));
      // Features follow event time, not file order: rows at a unique time score the same in both files.
      const byId = new Map(scored.rows.map((r) => [r.txId, r]));
      const times = new Map<number, number>();
      for (const r of rows) times.set(r.seconds, (times.get(r.seconds) ?? 0) + 1);
      const unique = scored2.rows.filter((r) => times.get(rows[Number(r.txId.slice(9))]!.seconds) === 1);
      expect(unique.length).toBeGreaterThan(rows.length * 0.9);
      for (const r of unique) expect(r.score).toBe(byId.get(r.txId)!.score);
    },
  );

  it(
    'banksim trains by step; a step option on a date-timed file is refused, saying what to use',
    {
      timeout: 300_000,
    },
    async () => {
      const csv = join(dir, 'banksim.csv');
      await writeBanksimSample(csv, { days: 40, customers: 60, perDay: 1.5 });
      const bad = await fraud('model', 'train', '--csv', csv, '--mapping', 'handbook', '--no-progress');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/not a handbook CSV: .*missing TX_DATETIME.*pick the right --mapping/);
      const badMapping = await fraud('model', 'train', '--csv', csv, '--mapping', join(dir, 'none.json'));
      expect(badMapping.stderr).toMatch(/neither a built-in \(paysim, banksim, handbook\) nor a readable file/);
      const both = await fraud(
        'model',
        'train',
        '--csv',
        csv,
        '--mapping',
        'banksim',
        '--label-delay',
        '1d',
        '--gap-hours',
        '3',
        '--no-progress',
      );
      expect(both.stderr).toMatch(/--label-delay and --gap-hours are the same setting/);
      const train = await fraud(
        'model',
        'train',
        '--csv',
        csv,
        '--mapping',
        'banksim',
        '--spec',
        'fs-v2',
        '--label-delay',
        '2d',
        '--valid-from-step',
        '22',
        '--test-from-step',
        '31',
        '--rounds',
        '10',
        '--out',
        join(dir, 'banksim-models'),
        '--no-progress',
      );
      expect(train.code, train.stderr).toBe(0);
      expect(train.stdout).toMatch(/label-delay gap 48 h/);
      const [version] = await readdir(join(dir, 'banksim-models'));
      const hb = join(dir, 'small-handbook.csv');
      await writeFile(hb, handbookCsv(handbookRows({ days: 3, customers: 5 })));
      const wrong = await fraud(
        'model',
        'evaluate',
        '--model',
        join(dir, 'banksim-models', version!),
        '--csv',
        hb,
        '--mapping',
        'handbook',
        '--from-step',
        '3',
        '--no-progress',
      );
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/--from-step needs a step-timed mapping; mapping handbook has dates: use --from/);
      const dates = await fraud(
        'model',
        'evaluate',
        '--model',
        join(dir, 'banksim-models', version!),
        '--csv',
        csv,
        '--mapping',
        'banksim',
        '--from',
        '2026-01-30',
        '--json',
        '--no-progress',
      );
      expect(dates.code, dates.stderr).toBe(0);
      expect(JSON.parse(dates.stdout)).toMatchObject({ mapping: 'banksim', labelDelayMs: 2 * DAY });
    },
  );

  it(
    'a spec with label features: labels count only from row time + the label delay on',
    {
      timeout: 300_000,
    },
    async () => {
      const rows = handbookRows({ days: 40, customers: 40, terminals: 20, seed: 3 });
      const csv = join(dir, 'handbook-labels.csv');
      await writeFile(csv, handbookCsv(rows));
      const spec = join(dir, 'terminal-risk.json');
      await writeFile(
        spec,
        JSON.stringify({
          name: 'terminal-risk',
          version: 1,
          entities: { customer: 'originAccount', terminal: 'terminalId' },
          features: [
            { name: 'amount', op: 'field', field: 'amount' },
            { name: 'customer_mean_7d', op: 'mean', entity: 'customer', window: '7d' },
            { name: 'terminal_fraud_count_28d', op: 'fraudCount', entity: 'terminal', window: '28d' },
            { name: 'terminal_fraud_rate_28d', op: 'fraudRate', entity: 'terminal', window: '28d' },
          ],
        }),
      );
      const out = join(dir, 'label-models');
      const args = ['--csv', csv, '--mapping', 'handbook', '--no-progress'];
      const train = await fraud(
        'model',
        'train',
        ...args,
        '--spec',
        spec,
        '--label-delay',
        '7d',
        '--rounds',
        '15',
        '--valid-from',
        day(20),
        '--test-from',
        day(30),
        '--out',
        out,
      );
      expect(train.code, train.stderr).toBe(0);
      expect(train.stdout).toMatch(/^feature spec terminal-risk v1 \(--spec /);
      const [version] = await readdir(out);
      const model = join(out, version!);
      const metadata = JSON.parse(await readFile(join(model, 'metadata.json'), 'utf8')) as { featureNames: string[] };
      expect(metadata.featureNames).toEqual([
        'amount',
        'customer_mean_7d',
        'terminal_fraud_count_28d',
        'terminal_fraud_rate_28d',
      ]);

      // Scored with the trained delay (7 d) and with labels that never arrive in the file's time span.
      const score = async (name: string, ...extra: string[]) => {
        const path = join(dir, name);
        const r = await fraud(
          'model',
          'score',
          '--model',
          model,
          ...args,
          '--reasons',
          'none',
          '--out',
          path,
          ...extra,
        );
        expect(r.code, r.stderr).toBe(0);
        return (await readScores(path)).rows;
      };
      const week = await score('labels-7d.csv');
      const never = await score('labels-never.csv', '--label-delay', '1000d');
      const firstLabel = Date.UTC(2018, 3, 1) + rows[0]!.seconds * 1000 + 7 * DAY;
      const before = week.filter((r) => Date.parse(r.eventTime) <= firstLabel);
      expect(before.length).toBeGreaterThan(50);
      // Before the first label arrives, a 7-day delay and no labels at all are the same thing...
      for (const r of before) expect(r.score).toBe(never[r.row - 1]!.score);
      // ...after it, the terminals' confirmed fraud moves scores.
      const changed = week.filter((r, i) => r.score !== never[i]!.score);
      expect(changed.length).toBeGreaterThan(0);
      expect(changed.every((r) => Date.parse(r.eventTime) > firstLabel)).toBe(true);
    },
  );

  it('without --spec, the shipped spec that fits the fields of the mapping, and why', () => {
    const paysim = pickSpec(undefined, compileMapping(builtinMapping('paysim')));
    expect(paysim.spec.name).toBe('fs-v2');
    expect(paysim.why).toMatch(/^default for mapping paysim \(has balances\)/);
    expect(pickSpec('fs-v2', compileMapping(builtinMapping('handbook'))).why).toBe('--spec fs-v2');
    for (const name of ['handbook', 'banksim']) {
      const picked = pickSpec(undefined, compileMapping(builtinMapping(name)));
      expect(picked.spec.name).toBe('payments-v1');
      expect(picked.why).toMatch(new RegExp(`^default for mapping ${name} \\(no balances\\)`));
    }
  });
});

function shuffle(rows: readonly HandbookRow[]): HandbookRow[] {
  const out = [...rows];
  let seed = 7;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
